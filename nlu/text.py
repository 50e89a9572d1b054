"""Vietnamese text rules shared by every package: folding, the diacritics check, syllables and the
stop words.

Citizens type with or without diacritics, in composed (NFC) or decomposed (NFD) Unicode, in any
case. Two folded forms serve two kinds of callers:

- ``fold`` keeps every character's place (for composed Vietnamese): callers that map a match in
  the folded text back to the text as typed (the lexicon's diacritics rule, level qualifiers in
  procedure names) rely on it, and on punctuation staying put ("(cấp tỉnh)").
- ``fold_words`` keeps only the words, as ASCII syllables separated by one space: the key for
  comparing whole texts, counting what a text says, and database search (it never yields anything
  but ``[a-z0-9 ]``).

Stop words live in one tagged data file, ``nlu/lexicon/stopwords.yml``; each caller asks for the
tags of its own use ("question", "petition"…).

Imports nothing but the standard library and PyYAML: it runs in the Rasa environment (Python
3.10) as well as in the application, and feedback must not pay for underthesea to fold a text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

STOPWORDS_FILE = Path(__file__).resolve().parent / "lexicon" / "stopwords.yml"

_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]"
)
_SPACES = re.compile(r"\s+")
_SYLLABLE = re.compile(r"\w+")
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")
# đ and the combining diacritical marks (not other marks such as emoji variation selectors).
_DIACRITIC = re.compile("[đĐ\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def clean(text: str) -> str:
    """NFC-compose, drop control and zero-width characters, collapse whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower case without any diacritic (đ → d): "Đăng KÝ, hoà!" → "dang ky, hoa!".

    NFC and NFD input fold alike; the result is NFC. Everything else (punctuation, spaces,
    letters of other scripts) stays, so composed Vietnamese keeps its length and offsets.
    Compatibility forms are not folded ("…" would become three characters): see ``fold_words``.
    """
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped)


def fold_words(text: str | None) -> str:
    """The words of ``text``, folded, as ASCII syllables: "Đèn ĐƯỜNG hỏng!!" → "den duong hong".

    Compatibility forms become plain first (full-width "ＣＣＣＤ", "²"); anything that is then not
    a Latin letter or a digit separates words.
    """
    folded = fold(unicodedata.normalize("NFKC", text or ""))
    return _NOT_ASCII_WORD.sub(" ", folded).strip()


def has_diacritics(text: str | None) -> bool:
    """True when the writer used any diacritic (đ included), composed or decomposed: then "cầu"
    means "cầu", not also "câu" or "cấu"."""
    return _DIACRITIC.search(unicodedata.normalize("NFD", text or "")) is not None


def syllables(text: str) -> list[str]:
    """The runs of word characters in ``text``: Vietnamese writes one syllable per run."""
    return _SYLLABLE.findall(text)


@lru_cache(maxsize=1)
def _tagged_stopwords(path: Path = STOPWORDS_FILE) -> dict[str, frozenset[str]]:
    """Tag → its words (as written, NFC, lower case), checked against the file's list of tags."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    known = data["tags"]
    found: dict[str, set[str]] = {tag: set() for tag in known}
    for word, tags in data["words"].items():
        if not isinstance(word, str) or not tags:
            raise ValueError(f"{path.name}: {word!r} needs quotes or tags")
        for tag in tags:
            if tag not in known:
                raise ValueError(f"{path.name}: {word!r} has unknown tag {tag!r}")
            found[tag].add(clean(word).lower())
    return {tag: frozenset(words) for tag, words in found.items()}


def stopwords(*tags: str) -> frozenset[str]:
    """The stop words and phrases with any of ``tags``, as written (with diacritics)."""
    tagged = _tagged_stopwords()
    unknown = [tag for tag in tags if tag not in tagged]
    if unknown or not tags:
        raise ValueError(f"stop word tags {unknown or '(none)'}; known: {', '.join(tagged)}")
    return frozenset().union(*(tagged[tag] for tag in tags))


def stop_syllables(*tags: str) -> frozenset[str]:
    """The folded syllables of the stop words with any of ``tags``: for callers that compare
    folded syllables one by one ("hồ sơ" gives "ho" and "so")."""
    return frozenset(s for word in stopwords(*tags) for s in syllables(fold(word)))
