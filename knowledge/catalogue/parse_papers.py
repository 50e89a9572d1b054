"""Required papers (thành phần hồ sơ): one :class:`Paper` per item, with its form and counts.

The portal's table lost its separators: an optional section title ("* Giấy tờ phải nộp:"), the
header ``Tên giấy tờMẫu đơn, tờ khaiSố lượng``, then per item the name, the attached form's file
name and the count ("1 bản chính,1 bản sao"), all glued. The count closes an item, so items are cut
after each count; text after the last count of a section is the next section's title.
"""

from __future__ import annotations

import re

from knowledge.catalogue.text import clean
from knowledge.procedure import Paper

HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_KIND = r"bản\s*(?:chính|sao|chụp|gốc)"
# A count glued to what follows (the next item) — a count inside a sentence is followed by a space.
COUNTS = re.compile(rf"(?P<digits>\d+)\s*{_KIND}(?:\s*,\s*\d+\s*{_KIND})*(?=[^\s,;.:]|\s*$)")
ONE_COUNT = re.compile(r"(\d+)\s*bản\s*(chính|sao|chụp|gốc)")
FILE = re.compile(r"\.(?:docx?|xlsx?|pdf|rar|zip)", re.IGNORECASE)
# Usual first words of an attached form's file name.
FORM_PREFIX = re.compile(r"(?:Mẫu|Mau|MẪU|Phụ lục|PL|TK)[\s\d]")
FORM_WINDOW = 90


def _counts(text: str) -> tuple[int | None, int | None]:
    """Originals and copies from "1 bản chính,1 bản sao" (bản gốc counts as an original)."""
    originals = copies = None
    for number, kind in ONE_COUNT.findall(text):
        if kind in ("chính", "gốc"):
            originals = (originals or 0) + int(number)
        else:
            copies = (copies or 0) + int(number)
    return originals, copies


def _form_starts(text: str, i: int) -> bool:
    """Whether a file name is glued on at ``i``: no space, after punctuation or a lower-case
    letter before a capital, or a usual form prefix glued to anything."""
    before, here = text[i - 1], text[i]
    if before.isspace() or here.isspace():
        return False
    if before in ".;:)]" or FORM_PREFIX.match(text, i):
        return True
    return here.isupper() and (before.islower() or before.isdigit())


def _split_form(text: str) -> tuple[str, str | None]:
    """Split "…theo mẫu.Mẫu số 01.docx" into the paper's name and the attached form(s)."""
    files = list(FILE.finditer(text))
    if not files or files[-1].end() != len(text):
        return text, None
    first = files[0]
    window_start = max(0, first.start() - FORM_WINDOW)
    cut = next((i for i in range(max(window_start, 1), first.start()) if _form_starts(text, i)), 0)
    if not cut:
        return text, None
    forms = FILE.sub(lambda m: m.group(0) + "\n", text[cut:]).split("\n")
    return text[:cut], "; ".join(f.strip() for f in forms if f.strip())


def _paper(raw: str, counts: str, group: str | None) -> Paper | None:
    name, form = _split_form(clean(raw).strip())
    name = name.strip(" ;")
    if not name and not form:
        return None
    originals, copies = _counts(counts)
    text = clean(raw + counts)
    return Paper(name=name or form or "", form=form, originals=originals, copies=copies,
                 group=group, text=text)


def _group(title: str) -> str | None:
    return clean(title).strip("*-: ") or None


def _section(body: str, group: str | None) -> tuple[list[Paper], str]:
    """Papers of one section, and the text left after the last count (the next title)."""
    papers, start = [], 0
    for match in COUNTS.finditer(body):
        digits = match["digits"]
        cut = match.start()
        if len(digits) > 1 and (digits[0] == "0" or int(digits) > 50):
            cut += len(digits) - 1  # "Mẫu số 01" glued to "1 bản chính"
        paper = _paper(body[start:cut], body[cut : match.end()], group)
        if paper:
            papers.append(paper)
        start = match.end()
    return papers, body[start:]


def parse_paper_text(text: str) -> tuple[Paper, ...]:
    """Papers of a flattened portal table, in order, each with its section title as group."""
    parts = (text or "").split(HEADER)
    if len(parts) < 2:
        return ()
    papers: list[Paper] = []
    group = _group(parts[0])
    for index, body in enumerate(parts[1:], start=1):
        found, rest = _section(body, group)
        papers.extend(found)
        if index == len(parts) - 1:
            tail = _paper(rest, "", group) if clean(rest) else None
            papers.extend([tail] if tail else [])
        else:
            group = _group(rest)
    return tuple(papers)


def parse_paper_rows(rows: tuple[dict[str, str], ...]) -> tuple[Paper, ...]:
    """Papers of an already split table (Ministry of Defence: ``ghi_chu`` holds the counts)."""
    papers = []
    for row in rows:
        name = clean(row.get("ten_giay_to", ""))
        if not name:
            continue
        note = row.get("ghi_chu", "")
        counts = dict(re.findall(r"Bản (chính|sao)\s*:\s*(\d+)", note))
        papers.append(
            Paper(
                name=name,
                form=clean(row.get("so_luong", "")) or None,
                originals=int(counts["chính"]) if "chính" in counts else None,
                copies=int(counts["sao"]) if "sao" in counts else None,
                text=clean(" ".join(v for v in row.values() if v)),
            )
        )
    return tuple(papers)
