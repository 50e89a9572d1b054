"""What a question asks about a procedure: its aspects (fee, time limit, papers…) and whether it
asks something only the procedure's own sentences answer ("trường hợp nào…", "có được … không").

Cues are data (``knowledge/data/aspect_cues.yml``), matched on folded text so that questions typed
without diacritics are read the same way; the syllables of question forms and follow-ups are stop
words (``nlu/lexicon/stopwords.yml``, tags ``form`` and ``followup``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import yaml

from nlu.normalize import folded
from nlu.text import stop_syllables, syllables

CUES_FILE = Path(__file__).resolve().parents[1] / "data" / "aspect_cues.yml"
GAP = r"(?:\s+\w+){0,8}?\s+"  # "…" in a passage form: up to eight words in between


class Aspect(StrEnum):
    """One thing a citizen can ask about a procedure (the order is the order of answers)."""

    PAPERS = "papers"
    FEE = "fee"
    TIME = "time"
    WHERE = "where"
    AGENCY = "agency"
    WHO = "who"
    CONDITIONS = "conditions"
    STEPS = "steps"
    RESULT = "result"
    LEGAL = "legal"
    ONLINE = "online"


@dataclass(frozen=True)
class Reading:
    """What the question asks: its aspects in the order of :class:`Aspect`, and whether it has
    the form of a question that only the procedure's text answers."""

    aspects: tuple[Aspect, ...]
    passage: bool


class AspectReader:
    """Reads aspects from cue phrases, longest first; a span already read is not read again."""

    def __init__(self, cues: dict[str, list[str]], passage_forms: list[str],
                 not_before: dict[str, list[str]], not_after: dict[str, list[str]],
                 form_words: frozenset[str] = frozenset(),
                 question_syllables: frozenset[str] = frozenset()) -> None:
        """``form_words``, ``question_syllables``: folded syllables of question forms and of
        follow-up questions (a message made only of these and cues names no procedure)."""
        self.form_words = form_words
        self._question_syllables = question_syllables | form_words
        pairs = [(folded(cue), Aspect(aspect)) for aspect, found in cues.items() for cue in found]
        pairs.sort(key=lambda pair: -len(pair[0]))
        self._cues = [(self._pattern(cue, not_before, not_after), aspect) for cue, aspect in pairs]
        self._passage = [
            re.compile(r"(?<!\w)" + GAP.join(map(re.escape, folded(form).split(" … "))) + r"(?!\w)")
            for form in passage_forms
        ]

    @staticmethod
    def _pattern(cue: str, not_before: dict[str, list[str]],
                 not_after: dict[str, list[str]]) -> re.Pattern[str]:
        def words(guards: dict[str, list[str]]) -> list[str]:
            return [re.escape(folded(w)) for key, found in guards.items() if folded(key) == cue
                    for w in found]

        # Look-behinds need a fixed width: one per preceding word.
        before = "".join(rf"(?<!(?<!\w){word} )" for word in words(not_after))
        after = "".join(rf"(?!\s+{word}(?!\w))" for word in words(not_before))
        return re.compile(rf"{before}(?<!\w){re.escape(cue)}(?!\w){after}")

    @classmethod
    def load(cls, path: Path = CUES_FILE) -> AspectReader:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(data["aspects"], data.get("passage_forms") or [],
                   data.get("not_before") or {}, data.get("not_after") or {},
                   stop_syllables("form"), stop_syllables("followup"))

    def _spans(self, text: str) -> tuple[set[Aspect], list[bool]]:
        """Aspects found in folded ``text``, and which characters their cues cover."""
        found: set[Aspect] = set()
        taken = [False] * len(text)
        for pattern, aspect in self._cues:
            for match in pattern.finditer(text):
                if not any(taken[match.start() : match.end()]):
                    found.add(aspect)
                    taken[match.start() : match.end()] = [True] * (match.end() - match.start())
        return found, taken

    def read(self, question: str) -> Reading:
        text = folded(question)
        found, _ = self._spans(text)
        passage = any(form.search(text) for form in self._passage)
        return Reading(tuple(a for a in Aspect if a in found), passage)

    def cue_words(self, question: str) -> frozenset[str]:
        """The (folded) words of the cues found in the question: they name the aspect asked."""
        text = folded(question)
        _, taken = self._spans(text)
        kept = "".join(char if cut else " " for char, cut in zip(text, taken))
        return frozenset(kept.split())

    def names_a_topic(self, question: str) -> bool:
        """True when the message carries words beyond a bare follow-up question, i.e. it may
        name a procedure ("lệ phí cấp lại căn cước") rather than only ask ("lệ phí bao nhiêu")."""
        text = folded(question)
        _, taken = self._spans(text)
        rest = "".join(" " if cut else char for char, cut in zip(text, taken))
        return any(
            s not in self._question_syllables and not s.isdigit() for s in syllables(rest)
        )


@lru_cache(maxsize=1)
def default_reader() -> AspectReader:
    return AspectReader.load()
