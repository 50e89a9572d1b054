"""Where a petition is: free text (new or pre-2025 names) → the commune-level unit responsible.

New names are parsed with ``vietnamadminunits``; old ones (huyện, thị trấn, pre-merger xã/phường)
are parsed in its legacy mode and mapped through its 2025 conversion table, read locally: the
library's own converter may geocode a street over the network, which we must not do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import vietnamadminunits
from vietnamadminunits import ParseMode, parse_address

from feedback.directory import Directory
from nlu.text import fold_words

_OLD_MARKERS = re.compile(r"\b(huy[eệ]n|th[iị] tr[aấ]n|tp\.?|th[aà]nh ph[oố] l[aạ]ng s[oơ]n)\b", re.I)
_MAX_LEN = 300


@dataclass(frozen=True)
class LocationMatch:
    """The commune found (if one), other communes the text could mean, and how it was read."""

    unit_id: str | None
    candidates: tuple[str, ...]
    note: str


@lru_cache(maxsize=1)
def _conversion_tables() -> tuple[dict, dict]:
    path = Path(vietnamadminunits.__file__).parent / "data" / "converter_2025.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["DICT_PROVINCE_WARD_NO_DIVIDED"], data["DICT_PROVINCE_WARD_DIVIDED"]


def _with_province(text: str, directory: Directory) -> str:
    """Append the province: citizens rarely write it, and "TP Lạng Sơn" alone reads as the province."""
    if fold_words(text).endswith(f"tinh {fold_words(directory.province)}"):
        return text
    return f"{text}, {directory.province}"


def _parse_new(text: str, directory: Directory) -> LocationMatch | None:
    try:
        unit = parse_address(_with_province(text, directory), mode=ParseMode.FROM_2025, level=2,
                             keep_street=False)
    except Exception:  # the library raises bare errors on text it cannot read
        return None
    if unit.province_key != directory.province_key or not unit.ward_key:
        return None
    commune = directory.commune_by_ward_key(unit.ward_key)
    if commune is None:
        return None
    return LocationMatch(commune.id, (commune.id,), f"địa bàn {commune.ward}")


def _parse_old(text: str, directory: Directory) -> LocationMatch | None:
    try:
        old = parse_address(_with_province(text, directory), mode=ParseMode.LEGACY, level=3,
                            keep_street=False)
    except Exception:  # as above
        return None
    if not old.district_key:
        return None
    not_divided, divided = _conversion_tables()
    province_new = not_divided.get(directory.province_key, {})
    old_prefix = f"{old.province_key}_{old.district_key}_"
    if old.ward_key:
        old_key = old_prefix + old.ward_key
        new_key = next((k for k, olds in province_new.items() if old_key in olds), None)
        if new_key is None:
            parts = divided.get(directory.province_key, {}).get(old_key, [])
            new_key = next((p["newWardKey"] for p in parts if p["isDefaultNewWard"]), None)
        commune = directory.commune_by_ward_key(new_key) if new_key else None
        if commune:
            note = f"địa danh cũ “{old.ward}, {old.district}” nay thuộc {commune.ward}"
            return LocationMatch(commune.id, (commune.id,), note)
    keys = sorted({k for k, olds in province_new.items() if any(o.startswith(old_prefix) for o in olds)})
    communes = [c for c in (directory.commune_by_ward_key(k) for k in keys) if c]
    if not communes:
        return None
    note = f"“{old.district}” cũ nay gồm {len(communes)} xã/phường, chưa rõ xã/phường nào"
    return LocationMatch(None, tuple(c.id for c in communes), note)


def resolve_location(text: str | None, directory: Directory) -> LocationMatch:
    """The commune a location text points to; old district names give candidates only."""
    text = (text or "").strip()[:_MAX_LEN]
    if not text:
        return LocationMatch(None, (), "chưa có địa điểm")
    order = (_parse_old, _parse_new) if _OLD_MARKERS.search(text) else (_parse_new, _parse_old)
    for parse in order:
        match = parse(text, directory)
        if match:
            return match
    return LocationMatch(None, (), "không xác định được xã/phường")
