"""Submission channels (cách thức thực hiện): one row per way of filing, with time limit and fee.

The portal's table lost its separators: ``Hình thức nộpThời gianPhí, lệ phíMô tả`` then, per row,
kind + time + fee + optional note in brackets + free description, all glued together. A row starts
where a channel name is directly followed by a time cell (a digit or a capital letter). When
the time cell is a bare number glued to a fee figure ("Trực tuyến120,000 VNĐ"), the time is the
shortest digit prefix that leaves a well-formed figure. A bare time figure ("7") whose note has no
unit for it borrows one from the rest of the procedure (:func:`with_borrowed_units`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from knowledge.catalogue.parse_fees import VND, parse_fee
from knowledge.catalogue.parse_time import _UNIT, NUMBER, borrow_unit, parse_time_limit
from knowledge.catalogue.text import NO_INFO, clean
from knowledge.procedure import Channel, ChannelKind, TimeLimitKind

HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
KINDS = {
    "trực tuyến": ChannelKind.ONLINE,
    "trực tiếp": ChannelKind.IN_PERSON,
    "dịch vụ bưu chính": ChannelKind.POST,
}
ROW_START = re.compile(r"(Trực tuyến|Trực tiếp|Dịch vụ bưu chính)(?=[0-9A-ZĐÀ-Ỹ])")
FEE_START = rf"Miễn phí|{NO_INFO}|\d[\d,.]*\s*(?:{VND}|USD)"
TIME = re.compile(
    rf"^(?:{NO_INFO}|{NUMBER}\s*(?:{_UNIT})|{NUMBER}(?=Miễn phí|{NO_INFO})|\D.*?(?={FEE_START}))",
    re.I | re.S,
)
GLUED = re.compile(rf"^(?P<digits>\d[\d,.]*)\s*(?P<currency>{VND}|USD)", re.I)
WELL_FORMED = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*(?:\.\d+)?")
FEE = re.compile(rf"^(?:{FEE_START})", re.I)


@dataclass(frozen=True)
class ChannelRow:
    """One row of the flattened table, still as text."""

    kind: str
    time: str
    fee: str
    description: str


def _bracketed(text: str) -> int:
    """Length of the bracketed note at the start of ``text`` (to its matching bracket or the end)."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index + 1
    return len(text)


def _split_time(rest: str) -> tuple[str, str]:
    """The time cell and what follows it."""
    match = TIME.match(rest)
    if match:
        return match.group(0), rest[match.end() :]
    glued = GLUED.match(rest)
    if glued:
        digits = glued["digits"]
        for cut in range(1, len(digits)):
            if WELL_FORMED.fullmatch(digits[cut:]):
                return digits[:cut], rest[cut:]
    return "", rest


def split_rows(text: str) -> list[ChannelRow]:
    """Cut the flattened table into rows of (kind, time, fee + note, description)."""
    body = text.removeprefix(HEADER)
    starts = list(ROW_START.finditer(body))
    rows = []
    for here, after in zip(starts, [*starts[1:], None]):
        chunk = body[here.end() : after.start() if after else len(body)]
        time, rest = _split_time(chunk)
        fee_match = FEE.match(rest)
        fee_end = fee_match.end() if fee_match else 0
        if rest[fee_end : fee_end + 1] == "(":
            fee_end += _bracketed(rest[fee_end:])
        rows.append(ChannelRow(here.group(1), time, rest[:fee_end], rest[fee_end:]))
    return rows


def _channel(kind: str, time: str, fee: str, description: str) -> Channel | None:
    channel_kind = KINDS.get(clean(kind).lower())
    if channel_kind is None:
        return None
    description = clean(description)
    return Channel(
        kind=channel_kind,
        time_limit=parse_time_limit(time, description),
        fee=parse_fee(fee, description),
        description=description,
    )


def parse_channel_text(text: str) -> tuple[Channel, ...]:
    """Channels of a flattened portal table, in the portal's order."""
    rows = (_channel(r.kind, r.time, r.fee, r.description) for r in split_rows(text or ""))
    return tuple(c for c in rows if c is not None)


def parse_channel_rows(rows: tuple[dict[str, str], ...]) -> tuple[Channel, ...]:
    """Channels of an already split table (Ministry of Defence export)."""
    built = (
        _channel(
            row.get("hinh_thuc", ""),
            row.get("thoi_han_giai_quyet", ""),
            row.get("phi_le_phi", ""),
            row.get("mo_ta", ""),
        )
        for row in rows
    )
    return tuple(c for c in built if c is not None)


def with_borrowed_units(
    channels: tuple[Channel, ...], steps: str = "", conditions: str = "", result: str = ""
) -> tuple[Channel, ...]:
    """Bare time figures given the unit the procedure itself writes for that figure, if it does.

    Looked for in this order (the channel's own note was read by :func:`parse_time_limit`): another
    channel's cell that writes the same figure with its unit (the table itself), the steps, the
    other channels' notes, the conditions, the result — each text only where it states a time limit
    (:func:`borrow_unit`). The source is kept in ``TimeLimit.unit_source``; a figure no source gives
    a unit to stays bare.
    """
    filled = []
    for channel in channels:
        limit = channel.time_limit
        if limit is None or not limit.unitless or limit.value is None:
            filled.append(channel)
            continue
        others = [c for c in channels if c is not channel]
        cells = {
            c.time_limit.unit for c in others
            if c.time_limit and c.time_limit.kind is TimeLimitKind.DURATION
            and c.time_limit.value == limit.value and c.time_limit.unit
            and c.time_limit.unit_source is None  # written in the cell itself, not borrowed
        }
        sources: list[tuple[str, set[str] | str]] = [
            ("other_channel", cells),
            ("steps", steps),
            ("other_note", "\n".join(c.description for c in others)),
            ("conditions", conditions),
            ("result", result),
        ]
        borrowed = borrow_unit(limit.value, sources)
        if borrowed is None:
            filled.append(channel)
            continue
        unit, source = borrowed
        filled.append(replace(channel, time_limit=replace(limit, unit=unit, unit_source=source)))
    return tuple(filled)
