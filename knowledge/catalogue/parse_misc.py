"""The smaller fields: levels, steps, legal basis, result and related procedures."""

from __future__ import annotations

import re

from knowledge.catalogue.text import clean
from knowledge.procedure import Level

LEVELS = {"cấp bộ": Level.MINISTRY, "cấp tỉnh": Level.PROVINCE, "cấp xã": Level.COMMUNE}
STEP_MARK = re.compile(r"(?=\bBước\s*\d+\s*[:.)-])")
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
# A document number in the "Mã văn bản" column: followed by the next title (a capital letter then
# a lower-case one) or by the end. Numbers inside a title are followed by
# lower-case words ("123/2015/NĐ-CP ngày 15/11/2015").
_NUMBER = r"\d+(?:\.\d+)?/\d{4}/"
LEGAL_CODE = re.compile(
    rf"{_NUMBER}[A-ZĐ][A-ZĐ0-9-]*?(?= ?[A-ZĐÀ-Ỹ][a-zà-ỹđ]|\s*$)"
)
# "Luật 60/2014/QH1360/2014/QH13": a title ending in its own number, then the number column.
REPEATED_CODE = re.compile(rf"({_NUMBER}[A-ZĐ0-9-]+?)\1")
# "…Bộ Tư phápThông tư số 03/2023/TT-BTP": the number column repeats the document's kind.
GLUED_KIND = re.compile(r"(?<=\S)(?:Thông tư|Nghị định|Quyết định|Nghị quyết|Luật)(?: số)?\s*$")
RESULT_END = ("Chọn cơ quan thực hiện", "Từ khóa")
RESULT_CODE = re.compile(r"Mã:\s*KQ\.[\w.]+")
RELATED = re.compile(r"#?\d*Tên thủ tục\d*")


def parse_levels(text: str) -> tuple[Level, ...]:
    """"Cấp bộ, Cấp tỉnh" → (MINISTRY, PROVINCE); anything else named counts as OTHER."""
    levels: list[Level] = []
    for part in clean(text).split(","):
        name = part.strip().lower()
        if not name:
            continue
        level = LEVELS.get(name, Level.OTHER)
        if level not in levels:
            levels.append(level)
    return tuple(levels)


def parse_steps(text: str) -> tuple[str, ...]:
    """Steps in order: cut at "Bước N:" when the source numbers them, else one step a line."""
    body = clean(text)
    if not body:
        return ()
    parts = STEP_MARK.split(body) if len(STEP_MARK.findall(body)) > 1 else body.split("\n")
    return tuple(step for step in (clean(p) for p in parts) if step)


def _document(title: str, code: str) -> str:
    """"Luật" + "60/2014/QH13" reads "Luật 60/2014/QH13"; a long title takes the number in brackets."""
    if not title or code in title:
        return title or code
    return f"{title} {code}" if len(title.split()) <= 2 else f"{title} ({code})"


def parse_legal_text(text: str) -> tuple[str, ...]:
    """Legal documents as "title (number)" from the flattened two-column table."""
    body = REPEATED_CODE.sub(r"\1", clean(text).removeprefix(LEGAL_HEADER))
    documents, start = [], 0
    previous = ""
    for match in LEGAL_CODE.finditer(body):
        title = GLUED_KIND.sub("", clean(body[start : match.start()])).strip()
        code = match.group(0)
        start = match.end()
        if not title and code == previous:
            continue
        documents.append(_document(title, code))
        previous = code
    rest = clean(body[start:])
    return tuple(documents + ([rest] if rest else []))


def parse_legal_rows(rows: tuple[dict[str, str], ...]) -> tuple[str, ...]:
    """Legal documents of an already split table (Ministry of Defence export)."""
    return tuple(
        clean(row.get("trich_yeu", "")) or clean(row.get("so_ky_hieu", ""))
        for row in rows
        if clean(row.get("trich_yeu", "")) or clean(row.get("so_ky_hieu", ""))
    )


def parse_result(text: str) -> str:
    """The result papers, without the portal's page furniture ("Mã: KQ…", "Chọn cơ quan…")."""
    body = text or ""
    for marker in RESULT_END:
        body = body.split(marker)[0]
    names = [clean(part).strip(" ;") for part in RESULT_CODE.split(body)]
    return "; ".join(name for name in names if name)


def parse_related(text: str) -> tuple[str, ...]:
    """Names of related procedures (the portal lists them as "#Tên thủ tục1…")."""
    names = [clean(part) for part in RELATED.split(clean(text))]
    return tuple(dict.fromkeys(name for name in names if name))
