"""``/tracuu <mã>``: a petition's status straight from the feedback service, no Rasa round trip."""

from __future__ import annotations

from feedback.service import FeedbackError, FeedbackService, PublicStatus


class PetitionLookup:
    """Looks tracking codes up and words the answer for a chat."""

    def __init__(self, service: FeedbackService) -> None:
        self.service = service

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
    elif status.can_add_info:
        # Codes are public: only the chat that filed it, or the receipt key, can add information.
        lines.append(f"Cơ quan cần bổ sung thông tin (xem ghi chú). Người gửi phản ánh nhắn «Bổ sung "
                     f"{status.code}» kèm nội dung trong cuộc trò chuyện đã gửi (có ảnh thì gửi ảnh "
                     "với chú thích đó), hoặc trả lời trên trang tra cứu phản ánh với mã bí mật trên "
                     "biên nhận.")
    else:
        lines.append(f"Hạn trả lời dự kiến: {status.expected_answer_date:%d/%m/%Y}. "
                     f"Bạn gõ lại /tracuu {status.code} để xem khi có kết quả.")
    return "\n".join(lines)
