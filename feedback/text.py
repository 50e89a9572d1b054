"""Petition text matching on top of ``nlu.text``: routing keywords, learned terms, duplicates.

Citizens often type without diacritics, so petitions are compared on ``fold_words`` (lower case,
no diacritics, đ → d, punctuation to spaces) unless the writer used diacritics: then "cầu" (a
bridge) must not match "câu".
"""

from __future__ import annotations

import re
import unicodedata

from nlu.text import fold_words, has_diacritics, stop_syllables

# Function syllables and the domain's generic words ("tôi nộp hồ sơ", "đề nghị"): they say nothing
# about what a petition is about, so learning and duplicate detection ignore them.
STOP_SYLLABLES = stop_syllables("petition")
_PUNCT = re.compile(r"[^\w]+", re.UNICODE)


def contains_phrase(folded_text: str, folded_phrase: str) -> bool:
    """Whole-syllable containment: "cau" matches "cay cau hong" but not "cau thang"… only as a word."""
    return f" {folded_phrase} " in f" {folded_text} "


def bigrams(folded_text: str) -> set[str]:
    """Pairs of syllables: Vietnamese words are mostly two syllables, so these approximate words."""
    parts = folded_text.split()
    return {f"{a} {b}" for a, b in zip(parts, parts[1:])}


def lower_clean(text: str) -> str:
    """Lower case, NFC, punctuation to spaces; diacritics kept."""
    text = unicodedata.normalize("NFC", text or "").lower()
    return _PUNCT.sub(" ", text).replace("_", " ").strip()


def match_form(text: str) -> str:
    """The form keywords are compared in: accented if the writer used diacritics, folded if not."""
    return lower_clean(text) if has_diacritics(text) else fold_words(text)
