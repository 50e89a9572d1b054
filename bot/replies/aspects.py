"""One short section per aspect of a procedure: exactly the fact that was asked, in plain words.

Each section is a few lines; an answer to two aspects is two sections under one title, so it
still fits one chat bubble (Zalo's 2,000 characters).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.replies.card import online_text, where_text
from bot.replies.details import online_guide_text
from bot.replies.papers import all_papers_text, bare_name, essential_first, papers_text
from bot.replies.terms import fee_text, time_text
from bot.replies.text import sentence, shorten
from knowledge.answer import Aspect
from knowledge.catalogue.card import CHANNEL_NAMES
from knowledge.catalogue.text import clean
from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.procedure import Procedure

NOT_STATED = "Danh mục chưa ghi rõ {what}; xem trang chính thức: {url}"
MAX_STEPS = 6
MAX_LEGAL = 5
LABELS = {  # what a button or a list line calls each aspect
    Aspect.PAPERS: "Giấy tờ",
    Aspect.FEE: "Lệ phí",
    Aspect.TIME: "Thời hạn",
    Aspect.WHERE: "Nơi nộp",
    Aspect.AGENCY: "Cơ quan giải quyết",
    Aspect.WHO: "Ai được làm",
    Aspect.CONDITIONS: "Điều kiện",
    Aspect.STEPS: "Các bước",
    Aspect.RESULT: "Kết quả",
    Aspect.LEGAL: "Căn cứ pháp lý",
    Aspect.ONLINE: "Nộp trực tuyến",
}


def _stated(text: str) -> bool:
    """The portal writes "Không có thông tin" where a field is empty."""
    return bool(clean(text))


def _missing(procedure: Procedure, what: str) -> str:
    return NOT_STATED.format(what=what, url=procedure.url or "dichvucong.gov.vn")


def _where(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    ways = ", ".join(dict.fromkeys(CHANNEL_NAMES[c.kind].lower() for c in procedure.channels))
    lines = [where_text(procedure, overlay)]
    if ways:
        lines.append(f"Cách nộp: {ways}.")
    return "\n".join(lines)


def _agency(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    competent, implementing = procedure.competent_agency.strip(), procedure.implementing_agency.strip()
    lines = []
    if _stated(competent):
        lines.append(f"Cơ quan có thẩm quyền: {sentence(competent)}")
    if _stated(implementing) and implementing != competent:
        lines.append(f"Cơ quan thực hiện: {sentence(implementing)}")
    return "\n".join(lines) or _missing(procedure, "cơ quan giải quyết")


def _who(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    if not _stated(procedure.applicants):
        return _missing(procedure, "đối tượng thực hiện")
    return f"Ai được làm: {shorten(procedure.applicants, 500 if alone else 250)}"


def _conditions(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    if not _stated(procedure.conditions):
        return "Điều kiện: không có yêu cầu riêng ngoài giấy tờ phải nộp."
    return f"Điều kiện: {shorten(procedure.conditions, 900 if alone else 400)}"


def _steps(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    if not procedure.steps:
        return _missing(procedure, "các bước")
    limit = 220 if alone else 120
    steps = [f"{i}. {shorten(step, limit)}" for i, step in enumerate(procedure.steps[:MAX_STEPS], 1)]
    more = len(procedure.steps) - MAX_STEPS
    tail = [f"… và {more} bước nữa, xem trang chính thức."] if more > 0 else []
    return "\n".join(["Các bước:", *steps, *tail])


def _result(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    if not _stated(procedure.result):
        return _missing(procedure, "kết quả")
    return f"Kết quả: {shorten(procedure.result, 500 if alone else 250)}"


def _legal(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    if not procedure.legal_basis:
        return _missing(procedure, "căn cứ pháp lý")
    shown = [f"• {shorten(x, 180)}" for x in procedure.legal_basis[:MAX_LEGAL]]
    more = len(procedure.legal_basis) - MAX_LEGAL
    return "\n".join(["Căn cứ pháp lý:", *shown, *([f"• … và {more} văn bản khác."] if more > 0 else [])])


def _papers(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    return all_papers_text(procedure) if alone else papers_text(procedure)


def _fee(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    return fee_text(procedure, overlay)


def _time(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    return time_text(procedure)


def _online(procedure: Procedure, overlay: ProvincialOverlay | None, alone: bool) -> str:
    if alone:  # step by step, or where to go instead
        portal = overlay.online_portal_url if overlay else "https://dichvucong.gov.vn"
        return online_guide_text(procedure, portal, overlay)
    return online_text(procedure)


SECTIONS: dict[Aspect, Callable[[Procedure, ProvincialOverlay | None, bool], str]] = {
    Aspect.PAPERS: _papers,
    Aspect.FEE: _fee,
    Aspect.TIME: _time,
    Aspect.WHERE: _where,
    Aspect.AGENCY: _agency,
    Aspect.WHO: _who,
    Aspect.CONDITIONS: _conditions,
    Aspect.STEPS: _steps,
    Aspect.RESULT: _result,
    Aspect.LEGAL: _legal,
    Aspect.ONLINE: _online,
}


def aspect_text(procedure: Procedure, aspect: Aspect, overlay: ProvincialOverlay | None = None,
                *, alone: bool = True) -> str:
    """The section answering ``aspect``; ``alone``: the only aspect asked, so it may be longer."""
    return SECTIONS[aspect](procedure, overlay, alone)


def one_line(procedure: Procedure, aspect: Aspect, overlay: ProvincialOverlay | None = None) -> str:
    """The aspect in one short line that names it ("Lệ phí: 50.000 đồng."), to compare
    candidates when it is unclear which one is meant."""
    if aspect is Aspect.PAPERS:
        papers = essential_first(procedure.required_papers)[:2]
        names = "; ".join(bare_name(p) for p in papers) or "danh mục chưa ghi rõ"
        return shorten(f"Giấy tờ: {names}", 220)
    text = aspect_text(procedure, aspect, overlay, alone=False).split("\n")
    body = " ".join(line.strip("• ") for line in text if line.strip())
    if not body.lower().startswith(LABELS[aspect].lower()[:6]) and ":" not in body[:30]:
        body = f"{LABELS[aspect]}: {body}"
    return shorten(body, 220)
