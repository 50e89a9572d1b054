"""Required papers as a citizen reads them: the short list on the card and the full list."""

from __future__ import annotations

from bot.replies.text import clean_name, count, shorten
from knowledge.procedure import Paper, Procedure

MAX_PAPERS_SHOWN = 4
CONDITIONAL_OPENINGS = ("trường hợp", "nếu", "đối với", "ngoài ra")
CONDITIONAL_PHRASES = (" trong trường hợp ", "(nếu có)", "đối với trường hợp")


def essential_first(papers: tuple[Paper, ...]) -> list[Paper]:
    """Papers everyone needs before the ones only some cases need ("Trường hợp…")."""
    def conditional(paper: Paper) -> bool:
        name = clean_name(paper.name).lower()
        return name.startswith(CONDITIONAL_OPENINGS) or any(p in name for p in CONDITIONAL_PHRASES)

    return sorted(papers, key=conditional)


def papers_text(procedure: Procedure) -> str:
    if not procedure.papers:
        return "Giấy tờ cần nộp: danh mục chưa ghi rõ, xem trang chính thức."
    lines = ["Giấy tờ cần chuẩn bị:"]
    for paper in essential_first(procedure.papers)[:MAX_PAPERS_SHOWN]:
        lines.append(f"• {shorten(clean_name(paper.name), 110)}{count(paper.originals, paper.copies)}")
    hidden = len(procedure.papers) - MAX_PAPERS_SHOWN
    if hidden > 0:
        lines.append(f"• … và {hidden} giấy tờ khác (hỏi «giấy tờ» để xem đủ).")
    return "\n".join(lines)


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
        lines.append(f"{number}. {shorten(clean_name(paper.name), 220)}{form}{count(paper.originals, paper.copies)}")
    lines.append("Muốn tôi cùng bạn đối chiếu từng giấy? Nhắn «kiểm tra giấy tờ».")
    return "\n".join(lines)
