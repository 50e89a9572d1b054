"""What the bot says about procedures: short Vietnamese texts that fit a phone screen.

Everything shown comes from the parsed catalogue; when a value is missing we say so and point to
the official page instead of guessing.
"""

from __future__ import annotations

from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.procedure import Channel, ChannelKind, Level, Paper, Procedure

MAX_PAPERS_SHOWN = 4
CHANNEL_NAMES = {
    ChannelKind.ONLINE: "Trực tuyến",
    ChannelKind.IN_PERSON: "Trực tiếp",
    ChannelKind.POST: "Qua bưu chính",
}
LEVEL_AGENCY = {
    Level.COMMUNE: "Bộ phận Một cửa UBND xã/phường nơi bạn cư trú",
    Level.PROVINCE: "Trung tâm Phục vụ hành chính công tỉnh",
    Level.MINISTRY: "cơ quan cấp bộ (xem trang chính thức)",
}
UNVERIFIED = "CẦN XÁC MINH"  # overlay values a province has not confirmed are never shown
CONDITIONAL_OPENINGS = ("trường hợp", "nếu", "đối với", "ngoài ra")
CONDITIONAL_PHRASES = (" trong trường hợp ", "(nếu có)", "đối với trường hợp")


def essential_first(papers: tuple[Paper, ...]) -> list[Paper]:
    """Papers everyone needs before the ones only some cases need ("Trường hợp…")."""
    def conditional(paper: Paper) -> bool:
        name = _clean_name(paper.name).lower()
        return name.startswith(CONDITIONAL_OPENINGS) or any(p in name for p in CONDITIONAL_PHRASES)

    return sorted(papers, key=conditional)


def procedure_title(procedure: Procedure) -> str:
    return f"{procedure.name} (mã {procedure.code})"


def papers_text(procedure: Procedure) -> str:
    if not procedure.papers:
        return "Giấy tờ cần nộp: danh mục chưa ghi rõ, xem trang chính thức."
    lines = ["Giấy tờ cần chuẩn bị:"]
    for paper in essential_first(procedure.papers)[:MAX_PAPERS_SHOWN]:
        lines.append(f"• {_shorten(_clean_name(paper.name), 110)}{_count(paper.originals, paper.copies)}")
    hidden = len(procedure.papers) - MAX_PAPERS_SHOWN
    if hidden > 0:
        lines.append(f"• … và {hidden} giấy tờ khác (hỏi «giấy tờ» để xem đủ).")
    return "\n".join(lines)


def fee_and_time_text(procedure: Procedure) -> str:
    """One line per distinct (time limit, fee); channels that share them share a line."""
    if not procedure.channels:
        return "Lệ phí và thời hạn: danh mục chưa ghi rõ, xem trang chính thức."
    groups: dict[str, list[str]] = {}
    for channel in procedure.channels:
        groups.setdefault(_terms(channel), []).append(CHANNEL_NAMES[channel.kind])
    return "\n".join(f"• {', '.join(kinds)}: {terms}" for terms, kinds in groups.items())


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
        or ", ".join(LEVEL_AGENCY.get(level, level.value) for level in procedure.levels)
    )
    return f"Nơi nộp: {_shorten(agency, 200)}." if agency else "Nơi nộp: xem trang chính thức."


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
            f"📄 {procedure_title(procedure)}",
            papers_text(procedure),
            fee_and_time_text(procedure),
            where_text(procedure, overlay),
            online_text(procedure),
            "Bạn muốn hỏi thêm về giấy tờ, lệ phí hay cách nộp trực tuyến?",
        ]
    )


def _terms(channel: Channel) -> str:
    parts = []
    limit = channel.time_limit
    if limit is not None:  # "thời hạn 7 ngày làm việc", "không quy định thời hạn", a rule…
        unitless = " (danh mục không ghi đơn vị)" if limit.unitless else ""
        parts.append(_shorten(limit.clause(), 200) + unitless)
    if channel.fee is not None:
        parts.append(f"lệ phí {_shorten(str(channel.fee), 120) or 'chưa ghi rõ'}")
    return " — ".join(parts) or "danh mục chưa ghi thời hạn, lệ phí"


def _count(originals: int | None, copies: int | None) -> str:
    bits = []
    if originals:
        bits.append(f"{originals} bản chính")
    if copies:
        bits.append(f"{copies} bản sao")
    return f" ({', '.join(bits)})" if bits else ""


def _clean_name(name: str) -> str:
    """Paper names often keep the source's bullet ("- Giấy chứng sinh")."""
    return name.strip().lstrip("-–•*+ ").strip()


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def all_papers_text(procedure: Procedure) -> str:
    """Every paper, grouped as the catalogue groups them (phải nộp / phải xuất trình)."""
    if not procedure.papers:
        return papers_text(procedure)
    lines = [f"Giấy tờ cho «{procedure.name}»:"]
    group = None
    for number, paper in enumerate(procedure.papers, start=1):
        if paper.group and paper.group != group:
            group = paper.group
            lines.append(f"{group}:")
        form = f" — mẫu {paper.form}" if paper.form else ""
        lines.append(f"{number}. {_shorten(_clean_name(paper.name), 220)}{form}{_count(paper.originals, paper.copies)}")
    lines.append("Muốn tôi cùng bạn đối chiếu từng giấy? Nhắn «kiểm tra giấy tờ».")
    return "\n".join(lines)


def detail_text(procedure: Procedure, aspect: str, overlay: ProvincialOverlay | None = None) -> str:
    """Answer one follow-up question (aspect = the intent's topic) about the procedure in focus."""
    title = f"«{procedure.name}»"
    missing = f"Danh mục chưa ghi rõ {{}} cho {title}. Xem trang chính thức: {procedure.url or 'dichvucong.gov.vn'}"
    if aspect == "papers":
        return all_papers_text(procedure)
    if aspect in ("fee", "time"):
        if not procedure.channels:
            return missing.format("lệ phí và thời hạn")
        return f"Lệ phí và thời hạn của {title}:\n{fee_and_time_text(procedure)}"
    if aspect == "where":
        return where_text(procedure, overlay) + "\n" + online_text(procedure)
    if aspect == "who":
        return f"Ai được làm {title}: {procedure.applicants}" if procedure.applicants else missing.format("đối tượng")
    if aspect == "conditions":
        text = procedure.conditions.strip()
        if not text or text.lower().startswith("không có thông tin"):
            return f"{title} không có yêu cầu, điều kiện riêng ngoài giấy tờ cần nộp."
        return f"Điều kiện của {title}:\n{_shorten(text, 900)}"
    if aspect == "steps":
        if not procedure.steps:
            return missing.format("các bước")
        steps = [f"{i}. {_shorten(step, 300)}" for i, step in enumerate(procedure.steps[:8], start=1)]
        return "\n".join([f"Các bước làm {title}:", *steps])
    if aspect == "legal":
        if not procedure.legal_basis:
            return missing.format("căn cứ pháp lý")
        return "\n".join([f"Căn cứ pháp lý của {title}:", *(f"• {_shorten(x, 200)}" for x in procedure.legal_basis[:8])])
    raise ValueError(f"unknown aspect {aspect!r}")


def online_guide_text(procedure: Procedure, portal_url: str, overlay: ProvincialOverlay | None = None) -> str:
    """Step-by-step online filing, or where to go when the procedure cannot be filed online."""
    if not procedure.online:
        return "\n".join(
            [
                f"«{procedure.name}» chưa nộp trực tuyến được.",
                where_text(procedure, overlay),
                papers_text(procedure),
            ]
        )
    link = procedure.url or portal_url
    return "\n".join(
        [
            f"Nộp trực tuyến «{procedure.name}»:",
            "1. Đăng nhập Cổng Dịch vụ công bằng tài khoản định danh điện tử VNeID (mức 2).",
            f"2. Mở thủ tục: {link}",
            "3. Chọn cơ quan thực hiện (tỉnh, xã/phường), điền tờ khai điện tử.",
            "4. Đính kèm bản chụp hoặc bản điện tử các giấy tờ (ảnh rõ nét, đủ trang).",
            "5. Nộp lệ phí bằng thanh toán trực tuyến (nếu có).",
            "6. Lưu mã hồ sơ để theo dõi ở mục «Tra cứu hồ sơ»; kết quả báo qua tin nhắn/email.",
            fee_and_time_text(procedure),
        ]
    )
