"""The abbreviation and synonym lexicon, kept as data in ``nlu/lexicon/``.

Citizens write "CCCD", "bằng lái", "so do"; the catalogue says "thẻ căn cước", "giấy phép lái xe",
"giấy chứng nhận quyền sử dụng đất". Expansion appends the catalogue wording to a text so both
lexical and semantic matching see it. Terms written with diacritics match the same diacritics or
none at all: "sổ đỏ" matches "so do" but never "sơ đồ". A question naming any foreign country
or nationality ("chồng tôi là người Mỹ", "con lai Nhật") also gets "yếu tố nước ngoài", the
catalogue's wording for a foreign element (``ForeignNames``, from ``nlu/lexicon/countries.txt``).

Imports nothing but underthesea (through nlu.normalize), PyYAML and the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from nlu.normalize import canonical, canonical_tones
from nlu.text import clean, fold, has_diacritics, stopwords, syllables

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
ABBREVIATIONS = LEXICON_DIR / "abbreviations.tsv"
COUNTRIES = LEXICON_DIR / "countries.txt"
# What a foreign country or nationality adds to a question: the catalogue's own wording ("… có yếu
# tố nước ngoài"), so that name coverage counts the whole qualifier, not only "nước ngoài" (dev
# hit@1 +2 questions over "nước ngoài" alone). Not added when the question already says it.
FOREIGN = "yếu tố nước ngoài"
# Words after which a risky country name ("~Mỹ" in countries.txt) counts; "~~" names need a strong
# one. Each follows the diacritics rule ("nguoi my" is "người Mỹ"). Not "về" ("về pháp luật",
# "về anh ấy") nor "chồng"/"vợ" ("vợ chồng Đức", a given name).
CONTEXT_WORDS = ("người", "nước", "quốc tịch", "công dân", "sang", "bên", "ở", "đi", "từ", "lai",
                 "gốc", "xứ")
STRONG_CONTEXT_WORDS = ("nước", "quốc tịch", "công dân")
# The stop words of a question (nlu/lexicon/stopwords.yml): its own words and the aspect asked.
STOP_TAGS = ("question", "aspect")


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


Syllables = tuple[str, ...]


def _syllables(text: str) -> Syllables:
    return tuple(syllables(canonical(text)))


class ForeignNames:
    """Recognises a foreign country, territory or nationality named in a question.

    Names are matched on whole syllables with the lexicon's diacritics rule; risky names (also
    everyday words or given names) only after a context word, and never as the start of a longer
    proper name ("ở Mỹ Tho"). Phrases that never name a foreign country ("Việt Nam", "Lào Cai",
    "pháp luật") are blanked out first. See the header of ``countries.txt``.
    """

    def __init__(
        self, names: list[tuple[Syllables, int]], never: list[Syllables] = ()
    ) -> None:
        self._names: dict[str, list[tuple[Syllables, int]]] = {}
        for syllables, risk in names:
            self._names.setdefault(fold(syllables[0]), []).append((syllables, risk))
        self._never: dict[str, list[Syllables]] = {}
        for syllables in never:
            self._never.setdefault(fold(syllables[0]), []).append(syllables)
        self._context = [(_syllables(w), w in STRONG_CONTEXT_WORDS) for w in CONTEXT_WORDS]

    @classmethod
    def load(cls, path: Path = COUNTRIES) -> ForeignNames:
        """Read ``countries.txt``: names separated by "|", "~"/"~~" before risky names, "!" lines
        for phrases that are never foreign."""
        names: list[tuple[Syllables, int]] = []
        never: list[Syllables] = []
        for line in _data_lines(path):
            blocked = line.startswith("!")
            for name in line.lstrip("!").split("|"):
                risk = len(name) - len(name.lstrip("~"))
                syllables = _syllables(name.lstrip("~"))
                if not syllables:
                    continue
                if blocked:
                    never.append(syllables)
                else:
                    names.append((syllables, min(risk, 2)))
        return cls(names, never)

    def found(self, text: str) -> list[str]:
        """The foreign names ``text`` mentions, as matched (lower case)."""
        typed = syllables(canonical_tones(clean(text)))  # case kept for proper names
        lower = [t.lower() for t in typed]
        keys = [fold(t) for t in lower]
        blocked = [False] * len(lower)
        for start in range(len(lower)):
            for phrase in self._never.get(keys[start], ()):
                if _matches(phrase, lower, keys, start):
                    blocked[start : start + len(phrase)] = [True] * len(phrase)
        found: list[str] = []
        for start in range(len(lower)):
            for name, risk in self._names.get(keys[start], ()):
                end = start + len(name)
                if any(blocked[start:end]) or not _matches(name, lower, keys, start):
                    continue
                if risk and not self._in_context(typed, lower, keys, blocked, start, end, risk):
                    continue
                found.append(" ".join(lower[start:end]))
        return found

    def mentions(self, text: str) -> bool:
        """True when ``text`` names a foreign country, territory or nationality."""
        return bool(self.found(text))

    def _in_context(
        self, typed: list[str], lower: list[str], keys: list[str], blocked: list[bool],
        start: int, end: int, risk: int,
    ) -> bool:
        for context, strong in self._context:
            before = start - len(context)
            if (
                before >= 0
                and (strong or risk < 2)
                and not any(blocked[before:start])
                and _matches(context, lower, keys, before)
            ):
                # "người Lào Cai", "ở Mỹ Tho": a capital after a lower-case context word starts
                # a longer proper name (a Vietnamese place), not a country.
                longer = end < len(typed) and typed[end][:1].isupper()
                return not (longer and typed[before][:1].islower())
        return False


def _matches(phrase: Syllables, lower: list[str], keys: list[str], start: int) -> bool:
    """``phrase`` at ``start``, typed with its own diacritics or with none at all."""
    span = lower[start : start + len(phrase)]
    if len(span) < len(phrase):
        return False
    if tuple(span) == phrase:
        return True
    return keys[start : start + len(phrase)] == [fold(s) for s in phrase] and not any(
        has_diacritics(s) for s in span
    )


class Lexicon:
    """Abbreviations, colloquial synonyms, foreign country names and question stopwords."""

    def __init__(
        self, entries: list[Entry], stopwords: frozenset[str], foreign: ForeignNames | None = None
    ) -> None:
        self.entries = entries
        self.stopwords = stopwords
        self.foreign = foreign
        self._folded_stopwords = frozenset(fold(word) for word in stopwords)
        self._longest = max((len(word.split()) for word in stopwords), default=1)

    @classmethod
    def load(
        cls,
        abbreviations: Path = ABBREVIATIONS,
        stop: Iterable[str] | None = None,
        countries: Path | None = COUNTRIES,
    ) -> Lexicon:
        """Read the TSV (term, expansions separated by "|", optional "query") and the country
        names (None: no foreign-name detection); ``stop``: the stop words, by default those
        tagged ``STOP_TAGS``."""
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
        words = stopwords(*STOP_TAGS) if stop is None else stop
        return cls(entries, frozenset(canonical(word) for word in words),
                   ForeignNames.load(countries) if countries else None)

    def expansions(self, text: str, *, query: bool = True) -> list[str]:
        """Catalogue wording for every term found in ``text`` (document mode skips query-only).

        A question naming a foreign country gets ``FOREIGN`` once, unless it already says so.
        """
        typed = text
        text = canonical(text)
        folded_text = fold(text)
        found: list[str] = []
        for entry in self.entries:
            if (query or not entry.query_only) and occurs(entry.term, text, folded_text):
                found.extend(e for e in entry.expansions if e not in found)
        if (
            query
            and self.foreign is not None
            and not any(occurs(FOREIGN, part) for part in (text, *found))
            and self.foreign.mentions(typed)
        ):
            found.append(FOREIGN)
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
