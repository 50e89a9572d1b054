"""What the bot says about procedures: short Vietnamese texts that fit a phone screen.

Everything shown comes from the parsed catalogue; when a value is missing we say so and point to
the official page instead of guessing.
"""

from __future__ import annotations

from knowledge.procedure import Channel, ChannelKind, Procedure

MAX_PAPERS_SHOWN = 5
CHANNEL_NAMES = {
    ChannelKind.ONLINE: "Trực tuyến",
    ChannelKind.IN_PERSON: "Trực tiếp",
    ChannelKind.POST: "Qua bưu chính",
}
LEVEL_AGENCY = {"xa": "UBND cấp xã nơi cư trú", "tinh": "cơ quan cấp tỉnh", "bo": "cơ quan cấp bộ"}


def procedure_title(procedure: Procedure) -> str:
    return f"{procedure.name} (mã {procedure.code})"


def papers_text(procedure: Procedure) -> str:
    if not procedure.papers:
        return "Giấy tờ cần nộp: danh mục chưa ghi rõ, xem trang chính thức."
    lines = ["Giấy tờ cần chuẩn bị:"]
    for paper in procedure.papers[:MAX_PAPERS_SHOWN]:
        lines.append(f"• {_shorten(paper.name, 160)}{_count(paper.originals, paper.copies)}")
    hidden = len(procedure.papers) - MAX_PAPERS_SHOWN
    if hidden > 0:
        lines.append(f"• … và {hidden} giấy tờ khác (hỏi «giấy tờ» để xem đủ).")
    return "\n".join(lines)


def fee_and_time_text(procedure: Procedure) -> str:
    if not procedure.channels:
        return "Lệ phí và thời hạn: danh mục chưa ghi rõ, xem trang chính thức."
    return "\n".join(_channel_line(c) for c in procedure.channels)


def where_text(procedure: Procedure) -> str:
    agency = (
        procedure.implementing_agency
        or procedure.submission_address
        or procedure.competent_agency
        or ", ".join(LEVEL_AGENCY.get(level.value, level.value) for level in procedure.levels)
    )
    return f"Nơi nộp: {agency}." if agency else "Nơi nộp: xem trang chính thức."


def online_text(procedure: Procedure) -> str:
    if procedure.online:
        link = f" tại {procedure.url}" if procedure.url else " trên Cổng Dịch vụ công quốc gia"
        return f"✅ Có thể nộp trực tuyến{link}."
    return "❌ Thủ tục này chưa nộp trực tuyến được: hãy nộp trực tiếp hoặc qua bưu chính."


def procedure_card(procedure: Procedure) -> str:
    """The first answer about a procedure: what it is, what to bring, cost, time, where, online."""
    return "\n\n".join(
        [
            f"📄 {procedure_title(procedure)}",
            papers_text(procedure),
            fee_and_time_text(procedure),
            where_text(procedure),
            online_text(procedure),
            "Bạn muốn hỏi thêm về giấy tờ, lệ phí hay cách nộp trực tuyến?",
        ]
    )


def _channel_line(channel: Channel) -> str:
    parts = [CHANNEL_NAMES[channel.kind]]
    if channel.time_limit is not None:
        parts.append(f"thời hạn {channel.time_limit}")
    if channel.fee is not None:
        parts.append(f"lệ phí: {_shorten(str(channel.fee), 120)}")
    return "• " + " — ".join(parts)


def _count(originals: int | None, copies: int | None) -> str:
    bits = []
    if originals:
        bits.append(f"{originals} bản chính")
    if copies:
        bits.append(f"{copies} bản sao")
    return f" ({', '.join(bits)})" if bits else ""


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
