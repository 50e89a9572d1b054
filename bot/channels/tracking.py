"""``/tracuu <mã>``: a petition's status straight from the feedback service, no Rasa round trip.

The feedback database is named by ``MOTCUA_FEEDBACK_DB_URL``; without it the channel passes the
request to Rasa as text instead.
"""

from __future__ import annotations

import os

from feedback.config import FeedbackConfig
from feedback.service import FeedbackError, FeedbackService, PublicStatus
from feedback.web import build_service


class PetitionLookup:
    """Looks tracking codes up and words the answer for a chat."""

    def __init__(self, service: FeedbackService) -> None:
        self.service = service

    @classmethod
    def from_env(cls) -> PetitionLookup | None:
        db_url = os.environ.get("MOTCUA_FEEDBACK_DB_URL")
        if not db_url:
            return None
        # Channels only read petitions; the session-signing key of the web console is not used.
        return cls(build_service(FeedbackConfig(db_url=db_url, secret_key="")))

    def answer(self, code: str) -> str:
        try:
            return describe(self.service.lookup(code))
        except FeedbackError as error:
            return str(error)


def describe(status: PublicStatus) -> str:
    """A short status card with the next step for the citizen."""
    lines = [f"Phản ánh {status.code}: {status.status_label}.",
             f"Đơn vị xử lý: {status.unit_name}.",
             f"Ngày gửi: {status.filed_on:%d/%m/%Y}."]
    if status.duplicate_of:
        lines.append(f"Phản ánh này đã được gộp với {status.duplicate_of}; kết quả dưới đây là của phản ánh đó.")
    if status.status_note:
        lines.append(f"Ghi chú: {status.status_note}")
    if status.answer:
        answered = f" ({status.answered_on:%d/%m/%Y})" if status.answered_on else ""
        lines.append(f"Trả lời{answered}: {status.answer}")
        if status.can_give_feedback:
            lines.append("Bạn có thể đánh giá kết quả trên trang tra cứu phản ánh.")
    elif status.status == "info_requested":
        lines.append("Cơ quan cần bạn bổ sung thông tin: bạn trả lời trên trang tra cứu phản ánh.")
    else:
        lines.append(f"Hạn trả lời dự kiến: {status.expected_answer_date:%d/%m/%Y}. "
                     f"Bạn gõ lại /tracuu {status.code} để xem khi có kết quả.")
    return "\n".join(lines)
