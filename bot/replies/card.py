"""The procedure card (the first answer about a procedure) and its where/online sections."""

from __future__ import annotations

from bot.replies.papers import papers_text
from bot.replies.terms import fee_and_time_text
from bot.replies.text import procedure_title, sentence
from knowledge.catalogue.card import LEVEL_NAMES
from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.procedure import Level, Procedure
from knowledge.retrieval.twins import LOCAL_LEVELS

LEVEL_AGENCY = {
    Level.COMMUNE: "Bộ phận Một cửa UBND xã/phường nơi bạn cư trú",
    Level.PROVINCE: "Trung tâm Phục vụ hành chính công tỉnh",
    Level.MINISTRY: "cơ quan cấp bộ (xem trang chính thức)",
}
UNVERIFIED = "CẦN XÁC MINH"  # overlay values a province has not confirmed are never shown


def where_text(procedure: Procedure, overlay: ProvincialOverlay | None = None) -> str:
    """Where to submit: the province's real unit when the overlay knows it, else the agency."""
    units = overlay.units_for(procedure) if overlay else []
    if units and overlay is not None:
        unit = overlay.unit(units[0].receives_at or "") or units[0]
        lines = [f"Nơi nộp: {unit.name}."]
        if unit.address and UNVERIFIED not in unit.address:
            lines.append(f"Địa chỉ: {unit.address}.")
        lines.append(f"Giờ tiếp nhận: {overlay.hours_of(unit)}.")
        return "\n".join(lines)
    agency = (
        procedure.implementing_agency
        or procedure.submission_address
        or procedure.competent_agency
        or ", ".join(LEVEL_AGENCY.get(level, LEVEL_NAMES[level]) for level in _levels(procedure))
    )
    return f"Nơi nộp: {sentence(agency, 200)}" if agency else "Nơi nộp: xem trang chính thức."


def _levels(procedure: Procedure) -> tuple[Level, ...]:
    """The levels a citizen files at: the province's and the commune's when the procedure has them
    (a ministry level beside them is the ministry's own case, not the citizen's counter)."""
    local = tuple(level for level in procedure.levels if level in LOCAL_LEVELS)
    return local or procedure.levels


def online_text(procedure: Procedure) -> str:
    if procedure.online:
        link = f" tại {procedure.url}" if procedure.url else " trên Cổng Dịch vụ công quốc gia"
        return f"✅ Có thể nộp trực tuyến{link}."
    return "❌ Thủ tục này chưa nộp trực tuyến được: hãy nộp trực tiếp hoặc qua bưu chính."


def procedure_card(procedure: Procedure, overlay: ProvincialOverlay | None = None) -> str:
    """The first answer about a procedure: what it is, what to bring, cost, time, where, online.

    Sections are separated by single newlines: Rasa splits a text on blank lines into separate
    messages, and one card should be one chat bubble (Telegram allows ~1 message a second a chat).
    """
    return "\n".join(
        [
            f"📄 {procedure_title(procedure.name, procedure.code)}",
            papers_text(procedure),
            fee_and_time_text(procedure),
            where_text(procedure, overlay),
            online_text(procedure),
            "Bạn muốn hỏi thêm về giấy tờ, lệ phí hay cách nộp trực tuyến?",
        ]
    )
