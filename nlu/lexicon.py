"""The abbreviation and synonym lexicon, kept as data in ``nlu/lexicon/``.

Citizens write "CCCD", "bằng lái", "so do"; the catalogue says "thẻ căn cước", "giấy phép lái xe",
"giấy chứng nhận quyền sử dụng đất". Expansion appends the catalogue wording to a text so both
lexical and semantic matching see it. Terms written with diacritics match the same diacritics or
none at all: "sổ đỏ" matches "so do" but never "sơ đồ".

Imports nothing but underthesea (through nlu.normalize) and the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlu.normalize import canonical, fold, has_diacritics

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
ABBREVIATIONS = LEXICON_DIR / "abbreviations.tsv"
STOPWORDS = LEXICON_DIR / "stopwords.txt"


@dataclass(frozen=True)
class Entry:
    """One term and the catalogue wording it stands for."""

    term: str  # canonical form (lower case, modern tones)
    expansions: tuple[str, ...]
    query_only: bool = False


@lru_cache(maxsize=None)
def _word_pattern(folded_term: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(folded_term) + r"(?!\w)")


def _accepts(term: str, typed: str) -> bool:
    """A match counts when typed exactly, or typed without any diacritic."""
    return typed == term or not has_diacritics(typed)


def occurs(term: str, text: str, folded_text: str | None = None) -> bool:
    """True when the canonical ``term`` occurs as whole words in canonical ``text``
    (``folded_text``: ``fold(text)`` when the caller already has it)."""
    folded_text = fold(text) if folded_text is None else folded_text
    if len(folded_text) != len(text):  # folding changed lengths: compare folded forms only
        return _word_pattern(fold(term)).search(folded_text) is not None
    return any(
        _accepts(term, text[m.start() : m.end()])
        for m in _word_pattern(fold(term)).finditer(folded_text)
    )


class Lexicon:
    """Abbreviations, colloquial synonyms and question stopwords."""

    def __init__(self, entries: list[Entry], stopwords: frozenset[str]) -> None:
        self.entries = entries
        self.stopwords = stopwords
        self._folded_stopwords = frozenset(fold(word) for word in stopwords)
        self._longest = max((len(word.split()) for word in stopwords), default=1)

    @classmethod
    def load(cls, abbreviations: Path = ABBREVIATIONS, stopwords: Path = STOPWORDS) -> Lexicon:
        """Read the TSV (term, expansions separated by "|", optional "query") and stopword list."""
        entries = []
        for line in _data_lines(abbreviations):
            term, expansions, *scope = line.split("\t")
            entries.append(
                Entry(
                    canonical(term),
                    tuple(canonical(e) for e in expansions.split("|") if e.strip()),
                    query_only=scope == ["query"],
                )
            )
        return cls(entries, frozenset(canonical(word) for word in _data_lines(stopwords)))

    def expansions(self, text: str, *, query: bool = True) -> list[str]:
        """Catalogue wording for every term found in ``text`` (document mode skips query-only)."""
        text = canonical(text)
        folded_text = fold(text)
        found: list[str] = []
        for entry in self.entries:
            if (query or not entry.query_only) and occurs(entry.term, text, folded_text):
                found.extend(e for e in entry.expansions if e not in found)
        return found

    def expand(self, text: str, *, query: bool = True) -> str:
        """``text`` followed by the expansions of the terms it contains."""
        return " ".join([text, *self.expansions(text, query=query)])

    def is_stopword(self, syllable: str) -> bool:
        """True for a question word such as "tôi", "muốn", "cần" (or "toi", "muon", "can")."""
        return self.stop_mask([syllable]) == [True]

    def stop_mask(self, syllables: list[str]) -> list[bool]:
        """For each syllable, whether it belongs to a stopword or stop phrase ("thế nào")."""
        words = [canonical(s) for s in syllables]
        mask = [False] * len(words)
        for start in range(len(words)):
            for length in range(min(self._longest, len(words) - start), 0, -1):
                span = " ".join(words[start : start + length])
                if span in self.stopwords or (
                    not has_diacritics(span) and span in self._folded_stopwords
                ):
                    mask[start : start + length] = [True] * length
                    break
        return mask


def _data_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicon, read once per process."""
    return Lexicon.load()
