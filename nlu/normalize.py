"""Canonical Vietnamese: tone marks where modern spelling puts them, on top of ``nlu.text``.

Citizens type old or new tone-mark placement (hoà / hòa, thuỷ / thủy); everything that compares
text as written goes through ``canonical`` so that both environments see the same form.

Imports underthesea (its tone table, through ``nlu.underthesea_lean``), so it is for the language
side (nlu, knowledge, the Rasa actions); what needs only folding, the diacritics check or the stop
words imports ``nlu.text``.
"""

from __future__ import annotations

import re

from nlu.text import clean, fold
from nlu.underthesea_lean import token_normalize

_WORD = re.compile(r"\w+", re.UNICODE)


def canonical_tones(text: str) -> str:
    """Put tone marks where modern spelling puts them (hoà → hòa, thuỷ → thủy), word by word."""
    return _WORD.sub(lambda m: token_normalize(m.group(0)), text)


def canonical(text: str) -> str:
    """The form used for display-independent comparison: clean, modern tones, lower case."""
    return canonical_tones(clean(text)).lower()


def folded(text: str) -> str:
    """Canonical form without diacritics: the key for diacritic-insensitive matching."""
    return fold(canonical(text))
