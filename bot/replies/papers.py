"""Required papers as a citizen reads them: the short list on the card and the full list.

Only real papers are listed and counted (``Paper.kind`` SUBMIT or SHOW); the catalogue's notes
and rules get a short "Lưu ý" section of their own. Every reply fits one Zalo chat bubble
(2,000 characters): when the full list would not, items are shortened, then cut with a count of
what is left and the link to the official page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.replies.text import clean_name, count, shorten
from knowledge.procedure import Paper, PaperKind, Procedure

REPLY_LIMIT = 2000  # Zalo's limit for one text message: one chat bubble
MAX_PAPERS_SHOWN = 5
MAX_NOTES_SHOWN = 3
NEXT_STEP = "Muốn tôi cùng bạn đối chiếu từng giấy? Nhắn «kiểm tra giấy tờ»."
NO_LIST_NEXT_STEP = "Bạn có thể nhắn «gặp cán bộ» để hỏi cần mang giấy tờ gì."
CONDITIONAL_OPENINGS = ("trường hợp", "nếu", "đối với", "ngoài ra", "ngoài", "khi", "tùy", "tuỳ")
CONDITIONAL_PHRASES = (" trong trường hợp ", "nếu có", "đối với trường hợp")
# The application itself: a form, declaration or request everyone fills in.
FORM = re.compile(
    r"(?:\d+\s+|một\s+|(?:01\s+)?bản (?:chính|gốc|sao)\s+)?"
    r"(?:tờ khai|đơn|giấy đề nghị|văn bản đề nghị|phiếu (?:đăng ký|yêu cầu|đề nghị|thu nhận)|"
    r"mẫu|bản khai|tờ trình)\b"
)
# Section titles that only say "papers to hand in / to show": the reply's own headings say it.
PLAIN_TITLE = re.compile(
    r"(?:các\s+)?(?:giấy tờ|thành phần hồ sơ|hồ sơ)(?:\s+(?:phải\s+)?(?:nộp|xuất trình))?"
    r"(?:\s*\(bản chính\))?(?:,?\s*(?:bao\s+)?gồm)?$")
FULL_ITEM_WIDTHS = (220, 160, 120, 90, 70)  # tried in turn until the full list fits
NOTE_WIDTH = 140


def bare_name(paper: Paper) -> str:
    """The paper's name without the source's bullet and the law's label ("a) Đơn…" → "Đơn…")."""
    name = clean_name(paper.name)
    if paper.label:
        label = re.escape(paper.label)
        name = re.sub(rf"^(?:\({label}\)|{label}(?:\.\)|[.)/]))\s*", "", name)
        name = clean_name(name.lstrip(".!) "))
        name = re.sub(rf"^thành phần hồ sơ\s+{label}\s*:\s*", "", name, flags=re.IGNORECASE)
    name = re.sub(r"[\s;,.:]+$", "", name)  # "…của cảng;." in a list reads better bare
    return name or clean_name(paper.name)


def _conditional(paper: Paper) -> bool:
    """Only some applicants need it: "Trường hợp…", "(nếu có)", or listed under a case heading."""
    name = bare_name(paper).lower()
    group = (paper.group or "").lower().lstrip("*-+ ")
    return (name.startswith(CONDITIONAL_OPENINGS) or any(p in name for p in CONDITIONAL_PHRASES)
            or group.startswith(CONDITIONAL_OPENINGS))


def _form_rank(paper: Paper) -> int:
    """0: a form filled in on a template ("Tờ khai … theo mẫu CT01"), 1: a request or a template
    alone, 2: any other paper."""
    name = bare_name(paper).lower()
    request = FORM.match(name) is not None
    template = paper.form is not None or "mẫu" in name
    return 0 if request and template else 1 if request or template else 2


def essential_first(papers: Iterable[Paper]) -> list[Paper]:
    """Real papers (notes dropped), those everyone needs before those only some cases need
    ("Trường hợp…", "(nếu có)"); among each, forms first, then papers handed in, then shown."""
    real = [p for p in papers if p.is_paper]
    return sorted(real, key=lambda p: (_conditional(p), _form_rank(p), p.kind is PaperKind.SHOW))


def _form_name(form: str | None) -> str:
    if not form:
        return ""
    names = [re.sub(r"\.(?:docx?|xlsx?|pdf|rar|zip)$", "", f.strip(" ;"), flags=re.IGNORECASE)
             for f in form.split(";")]
    return shorten("; ".join(n for n in names if n), 60)


def _counts(paper: Paper) -> str:
    """" (1 bản chính, 1 bản sao)"; a paper shown is shown as the original, whatever the count."""
    if paper.kind is PaperKind.SHOW:
        return " — xuất trình bản chính"
    return count(paper.originals, paper.copies)


def _line(paper: Paper, width: int, marker: str) -> str:
    """"a) Đơn đề nghị… — mẫu: Mẫu số 01 (1 bản chính)"; papers shown sit under their own title."""
    form = _form_name(paper.form)
    form = f" — mẫu: {form}" if form else ""
    counts = "" if paper.kind is PaperKind.SHOW else _counts(paper)
    return f"{marker} {shorten(bare_name(paper), width)}{form}{counts}"


def _fallback(procedure: Procedure) -> str:
    where = f": {procedure.url}" if procedure.url else ""
    return f"Giấy tờ cần nộp: danh mục chưa ghi rõ, xem trang chính thức{where}."


def papers_text(procedure: Procedure) -> str:
    """The card's section: up to five papers, the ones everyone needs first."""
    ordered, seen = [], set()
    for paper in essential_first(procedure.papers):  # one line per paper, however many cases
        if bare_name(paper).lower() not in seen:
            seen.add(bare_name(paper).lower())
            ordered.append(paper)
    if not ordered:
        return _fallback(procedure)
    lines = ["Giấy tờ cần chuẩn bị:"]
    for paper in ordered[:MAX_PAPERS_SHOWN]:
        lines.append(f"• {shorten(bare_name(paper), 110)}{_counts(paper)}")
    hidden = len(ordered) - MAX_PAPERS_SHOWN
    if hidden > 0:
        lines.append(f"• … và {hidden} giấy tờ khác (nhắn «giấy tờ» để xem đủ).")
    return "\n".join(lines)


def _blocks(papers: tuple[Paper, ...]) -> list[tuple[str | None, list[Paper]]]:
    """Papers by heading: those under a plain title ("Giấy tờ phải nộp") or none first, as one
    list, then each case heading ("Trường hợp ủy quyền…"); each in the law's order."""
    blocks: dict[str | None, list[Paper]] = {None: []}
    for paper in papers:
        title = paper.group if paper.group and not PLAIN_TITLE.match(
            paper.group.lower().strip("*-+: ")) else None
        blocks.setdefault(title, []).append(paper)
    return [(title, run) for title, run in blocks.items() if run]


def _markers(papers: list[Paper], start: int) -> list[str]:
    """The law's labels ("a)", "2.", "iv)") when it gives them, else a running number."""
    if not any(p.label for p in papers):
        return [f"{i}." for i in range(start, start + len(papers))]
    return [("–" if not p.label else f"{p.label}." if p.label[0].isdigit() else f"{p.label})")
            for p in papers]


def _section(title: str, papers: tuple[Paper, ...], width: int) -> list[tuple[str, bool]]:
    """Lines of one part of the list, each flagged True when it is a paper."""
    if not papers:
        return []
    lines: list[tuple[str, bool]] = [(title, False)]
    number = 1
    for heading, run in _blocks(papers):
        if heading:
            lines.append((f"{shorten(heading, min(width, 120))}:", False))
        markers = _markers(run, number)
        number += sum(m[0].isdigit() and not run[i].label for i, m in enumerate(markers))
        lines.extend((_line(p, width, m), True) for p, m in zip(run, markers, strict=True))
    return lines


def _notes(procedure: Procedure) -> list[str]:
    """Notes worth a line: rules and counts of dossiers, not headings (those head their papers)."""
    seen, notes = set(), []
    for note in procedure.paper_notes:
        text = clean_name(note.name)
        if not text or text.rstrip(" .").endswith(":") or text.lower() in seen:
            continue
        seen.add(text.lower())
        notes.append(text)
    return notes


def all_papers_text(procedure: Procedure, head: str | None = None) -> str:
    """Every paper, split into papers handed in and papers shown, in the law's order and with its
    labels, then a short "Lưu ý"; shortened, then cut, to fit one chat bubble. ``head``: the first
    line, when the list is a whole reply that names the procedure its own way."""
    if not procedure.required_papers:
        return "\n".join([*([head] if head else []), _fallback(procedure), NO_LIST_NEXT_STEP])
    head = head or f"Giấy tờ cho «{shorten(procedure.name, 150)}»:"
    notes = _notes(procedure)
    # Shorter items before no notes at all, and no notes before cutting papers off.
    tries = [(w, True) for w in FULL_ITEM_WIDTHS[:3]] + [(w, False) for w in FULL_ITEM_WIDTHS]
    for width, with_notes in tries:
        body = [
            *_section("📥 Giấy tờ phải nộp:", procedure.papers_to_submit, width),
            *_section("📋 Giấy tờ xuất trình (mang bản chính để đối chiếu):",
                      procedure.papers_to_show, width),
        ]
        text = _compose(procedure, head, body, notes, with_notes)
        if text is not None:
            return text
    return _cut(procedure, head, body)


def _notes_lines(notes: list[str], shown: int) -> list[str]:
    if not notes or shown == 0:
        return []
    lines = ["Lưu ý:", *(f"• {shorten(n, NOTE_WIDTH)}" for n in notes[:shown])]
    if len(notes) > shown:
        lines.append(f"• … và {len(notes) - shown} lưu ý khác trên trang chính thức.")
    return lines


def _footer(procedure: Procedure, cut: bool) -> list[str]:
    link = [f"Danh sách đầy đủ: {procedure.url}"] if cut and procedure.url else []
    return [*link, NEXT_STEP]


def _compose(procedure: Procedure, head: str, body: list[tuple[str, bool]], notes: list[str],
             with_notes: bool) -> str | None:
    """The whole list with as many notes as fit (at least one when ``with_notes``), or None."""
    least = 1 if with_notes and notes else 0
    for shown in range(min(MAX_NOTES_SHOWN, len(notes)), least - 1, -1):
        cut = shown < len(notes)
        text = "\n".join([head, *(line for line, _ in body), *_notes_lines(notes, shown),
                          *_footer(procedure, cut)])
        if len(text) <= REPLY_LIMIT:
            return text
    return None


def _cut(procedure: Procedure, head: str, body: list[tuple[str, bool]]) -> str:
    """As many lines as fit, then how many papers are left and where the full list is."""
    total = sum(is_paper for _, is_paper in body)
    footer = _footer(procedure, True)
    kept: list[str] = []
    listed = 0
    for line, is_paper in body:
        left = total - listed - is_paper
        more = [f"… và {left} giấy tờ khác."] if left else []
        if len("\n".join([head, *kept, line, *more, *footer])) > REPLY_LIMIT:
            break
        kept.append(line)
        listed += is_paper
    while kept and not body[len(kept) - 1][1]:
        kept.pop()  # no heading left without its papers
    listed = sum(is_paper for _, is_paper in body[: len(kept)])
    more = [f"… và {total - listed} giấy tờ khác."] if total > listed else []
    return "\n".join([head, *kept, *more, *footer])
