"""Time limits (thời hạn giải quyết): "7 Ngày làm việc", a bare "1", or a phrase in the notes."""

from __future__ import annotations

import re

from knowledge.catalogue.text import clean
from knowledge.procedure import TimeLimit

UNITS = ("ngày làm việc", "giờ làm việc", "ngày", "giờ", "tháng", "tuần", "năm", "phút")
_UNIT = "|".join(UNITS)
NUMBER = r"\d+(?:[.,]\d+)?"
# A time limit cell: a number and a unit ("7 Ngày làm việc"), or a bare number.
CELL = re.compile(rf"^(?P<value>{NUMBER})\s*(?P<unit>{_UNIT})?$", re.IGNORECASE)
# A duration inside free text; "sau 15 giờ" / "trước 10 giờ" are clock times, not durations.
DURATION = re.compile(
    rf"(?<!sau )(?<!trước )(?<!lúc )(?<!đến )(?<![\d/.,])(?P<value>{NUMBER})\s*(?P<unit>{_UNIT})\b",
    re.IGNORECASE,
)
NOT_SET = ("không quy định",)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def durations(text: str) -> list[tuple[float, str, str]]:
    """Every (value, unit, phrase) duration written in a free text."""
    return [
        (_number(m["value"]), m["unit"].lower(), m.group(0))
        for m in DURATION.finditer(text or "")
    ]


def _unit_of(value: float, note: str) -> str | None:
    """The one unit the note writes after ``value``, if exactly one."""
    units = {unit for number, unit, _ in durations(note) if number == value}
    return units.pop() if len(units) == 1 else None


def parse_time_limit(cell: str, note: str = "") -> TimeLimit | None:
    """Read a time limit cell; a bare number or an empty cell borrows its unit from the note.

    Only the channel's own note is read (the steps often name the time of one sub-step), and only
    when unambiguous: the same number written with one unit for a bare number, or exactly one
    duration for an empty cell.
    """
    text = clean(cell)
    if text.lower() in NOT_SET:
        return TimeLimit(value=None, unit=None, text=text)
    if not text:
        found = durations(note)
        if len({(value, unit) for value, unit, _ in found}) != 1:
            return None
        value, unit, phrase = found[0]
        return TimeLimit(value=value, unit=unit, text=phrase.strip())
    match = CELL.match(text)
    if not match:
        return TimeLimit(value=None, unit=None, text=text)
    value = _number(match["value"])
    unit = (match["unit"] or "").lower() or _unit_of(value, note)
    return TimeLimit(value=value, unit=unit or None, text=text)
