"""Tracking codes citizens can read aloud and type on a phone: ``PA-7K3Q9M``.

The alphabet drops 0/O, 1/I/L and U, and the last character is a check character, so a mistyped
code is refused instead of showing someone else's petition.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "PA-"
_BODY_LEN = 5
_CODE_RE = re.compile(r"^(?:PA)?([%s]{6})$" % ALPHABET)


def _check_char(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(c) for i, c in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code() -> str:
    """A fresh random code; uniqueness is enforced by the database."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(_BODY_LEN))
    return PREFIX + body + _check_char(body)


def normalise(text: str) -> str | None:
    """The canonical form of a typed code (``pa 7k3q9m`` → ``PA-7K3Q9M``), or None if invalid."""
    compact = re.sub(r"[\s\-_.]", "", text or "").upper()
    match = _CODE_RE.match(compact)
    if not match:
        return None
    chars = match.group(1)
    if _check_char(chars[:-1]) != chars[-1]:
        return None
    return PREFIX + chars
