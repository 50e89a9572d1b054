"""Vietnamese text normalisation shared by the Rasa and the application environments.

Citizens type with or without diacritics, in composed or decomposed Unicode, with old or new
tone-mark placement (hoà / hòa) and with stray control characters. Everything that compares text
goes through these functions so that both environments see the same canonical form.

Imports nothing but underthesea and the standard library (see nlu/__init__.py).
"""

from __future__ import annotations

import re
import unicodedata

from underthesea.pipeline.text_normalize.token_normalize import token_normalize

_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


def clean(text: str) -> str:
    """NFC-compose, drop control and zero-width characters, collapse whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def canonical_tones(text: str) -> str:
    """Put tone marks where modern spelling puts them (hoà → hòa, thuỷ → thủy), word by word."""
    return _WORD.sub(lambda m: token_normalize(m.group(0)), text)


def fold(text: str) -> str:
    """Strip every diacritic (đ → d) so "đăng ký" and "dang ky" compare equal."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def canonical(text: str) -> str:
    """The form used for display-independent comparison: clean, modern tones, lower case."""
    return canonical_tones(clean(text)).lower()


def folded(text: str) -> str:
    """Canonical form without diacritics: the key for diacritic-insensitive matching."""
    return fold(canonical(text))


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese diacritic, i.e. folding changes it."""
    return fold(text) != text
