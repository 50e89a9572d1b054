"""Small text helpers shared by the parsers: the portal writes "Không có thông tin" for empty cells."""

from __future__ import annotations

import re

NO_INFO = "Không có thông tin"
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean(text: str | None) -> str:
    """Collapse runs of spaces and treat the portal's "no information" marker as empty."""
    value = _SPACES.sub(" ", (text or "").replace("\r", "")).strip()
    return "" if value in (NO_INFO, "Không", "-", "--") else value
