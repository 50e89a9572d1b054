"""Text folding shared by routing, duplicate detection and scope checks.

Citizens often type without diacritics, so matching is done on a folded form: lower case, no
diacritics, đ → d, punctuation to spaces.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
# Folded function syllables and the domain's generic words ("tôi nộp hồ sơ", "đề nghị"): they say
# nothing about what a petition is about, so learning and duplicate detection ignore them.
STOP_SYLLABLES = frozenset(
    "toi cua da ma va co khong duoc cho cac nhung la voi khi thi nay ve tu o tai nen de "
    "lai van chua rat nhieu mot hai ba lam nop ho so thu tuc giay to nghi can bo nguoi dan "
    "yeu cau hen ngay qua han ket qua huong dan ro hon bi di".split()
)


def fold(text: str) -> str:
    """``"Đèn ĐƯỜNG hỏng!"`` → ``"den duong hong"``."""
    text = unicodedata.normalize("NFD", (text or "").replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NON_WORD.sub(" ", text).strip()


def contains_phrase(folded_text: str, folded_phrase: str) -> bool:
    """Whole-syllable containment: "cau" matches "cay cau hong" but not "cau thang"… only as a word."""
    return f" {folded_phrase} " in f" {folded_text} "


def syllables(folded_text: str) -> list[str]:
    return folded_text.split()


def bigrams(folded_text: str) -> set[str]:
    """Pairs of syllables: Vietnamese words are mostly two syllables, so these approximate words."""
    parts = folded_text.split()
    return {f"{a} {b}" for a, b in zip(parts, parts[1:])}


def content_syllables(folded_text: str) -> set[str]:
    return {s for s in folded_text.split() if s not in STOP_SYLLABLES}


def slug(text: str) -> str:
    """``"Xã Đồng Đăng"`` → ``"xa-dong-dang"``."""
    return fold(text).replace(" ", "-")


_PUNCT = re.compile(r"[^\w]+", re.UNICODE)


def has_diacritics(text: str) -> bool:
    """Whether the writer used Vietnamese diacritics (then "cầu" must not match "yêu cầu"… as "câu")."""
    return any(ord(c) > 127 and c.isalpha() for c in text or "")


def lower_clean(text: str) -> str:
    """Lower case, NFC, punctuation to spaces; diacritics kept."""
    text = unicodedata.normalize("NFC", text or "").lower()
    return _PUNCT.sub(" ", text).replace("_", " ").strip()


def match_form(text: str) -> str:
    """The form keywords are compared in: accented if the writer used diacritics, folded if not."""
    return lower_clean(text) if has_diacritics(text) else fold(text)
