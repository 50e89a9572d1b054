"""The sentences of one procedure's own text that answer a question its fields do not answer
directly ("Trường hợp nào được miễn lệ phí?", "Người nước ngoài có được … không?").

Each sentence of the procedure's conditions, steps, papers, result, applicants, channel notes and
legal basis is scored by the rare words it shares with the question (IDF over the whole
catalogue); words of the procedure's own name say which procedure, not which sentence, so they
do not count. A sentence is quoted only when it covers enough of the question: otherwise the
catalogue does not answer it, and the bot says so instead of guessing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from knowledge.catalogue.text import clean
from knowledge.procedure import Procedure
from nlu.lexicon import Lexicon, default_lexicon
from nlu.text import fold, has_diacritics, syllables

# Sentence ends: a new line, a bullet, "; ", or ". " before a capital or a list label.
_SPLIT = re.compile(r"\n+|(?<=[.;:])\s+(?=[-+•*]|[A-ZĐÀ-Ỹ]|[a-zđ]\)|\d+[.)])|\s+(?=[-+•]\s)")
MIN_CHARS, MAX_CHARS = 25, 420
# How much of the question's weight a sentence must cover to be quoted. A question in the form of
# "có được … không" is asking for a sentence, so less is enough; any other question is quoted only
# when a sentence clearly speaks of it (on knowledge/data/eval/answers_dev.jsonl, about two quotes in
# three at 0.25 for the first kind held the reference fact, and few below 0.5 for the second did).
FORM_COVERAGE = 0.25
OTHER_COVERAGE = 0.5
MIN_MATCHED = 2
MAX_PASSAGES = 2
# Fields that answer "trường hợp nào / có được … không" most directly win ties.
FIELD_ORDER = ("conditions", "applicants", "steps", "papers", "result", "channels", "legal")


@dataclass(frozen=True)
class Passage:
    """One sentence of the procedure's text, the field it comes from, and how well it answers."""

    code: str  # the procedure's
    field: str  # "conditions", "steps", "papers", "result", "applicants", "channels", "legal"
    text: str
    score: float


@lru_cache(maxsize=50_000)
def _fold(word: str) -> str:
    return fold(word)


def _words(text: str) -> set[str]:
    return {_fold(w) for w in syllables(text.lower())}


def _marked_words(text: str) -> set[str]:
    return set(syllables(unicodedata.normalize("NFC", text).lower()))


def _fields(procedure: Procedure) -> list[tuple[str, str]]:
    papers = "\n".join(p.text or p.name for p in procedure.papers) or procedure.papers_text
    return [
        ("conditions", procedure.conditions),
        ("steps", "\n".join(procedure.steps) or procedure.steps_text),
        ("papers", papers),
        ("result", procedure.result),
        ("applicants", procedure.applicants),
        ("channels", procedure.channels_text),
        ("legal", "\n".join(procedure.legal_basis) or procedure.legal_basis_text),
    ]


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def sentences(procedure: Procedure) -> list[tuple[str, str]]:
    """(field, sentence) pairs of the procedure's text, each short enough to quote."""
    found = []
    for field, text in _fields(procedure):
        for piece in _SPLIT.split(text or ""):
            piece = " ".join(piece.split()).strip(" -+•*")
            if len(piece) < MIN_CHARS:
                continue
            found.append((field, _cut(piece)))
    return found


class PassageFinder:
    """Finds quotable sentences in a procedure; IDF over the catalogue, built once."""

    def __init__(self, procedures: Sequence[Procedure], lexicon: Lexicon | None = None,
                 form_words: frozenset[str] = frozenset()) -> None:
        """``form_words``: folded syllables of question forms ("trường hợp nào", "có được …
        không"): they say how the question is asked, not what it is about."""
        self._lexicon = lexicon or default_lexicon()
        self._form_words = form_words
        df: Counter[str] = Counter()  # folded words and words as written, both
        for procedure in procedures:
            text = " ".join([procedure.name, *(text for _, text in _fields(procedure))])
            df.update(_words(text) | _marked_words(text))
        total = len(procedures) + 1
        self._idf = {w: math.log(total / (n + 0.5)) for w, n in df.items()}
        self._unseen = math.log(total / 0.5)

    def _question_words(self, question: str, procedure: Procedure,
                        ignore: frozenset[str]) -> tuple[dict[str, float], bool]:
        """The question's words with their IDF, and whether they keep their diacritics.

        Typed with diacritics, words are compared as typed: folded, "chó" and "chờ" would match
        every "cho". Words of the procedure's name, of question forms and of ``ignore`` (folded:
        the aspect cues, "lệ phí", "giấy tờ gì") say which procedure or which field is meant, not
        which sentence, so they do not count."""
        question = unicodedata.normalize("NFC", question)
        marked = has_diacritics(question)
        words = syllables(question.lower())
        stop = self._lexicon.stop_mask(words)
        dropped = _words(procedure.name) | self._form_words | ignore
        weights = {}
        for syllable, is_stop in zip(words, stop):
            key = _fold(syllable)
            if is_stop or syllable.isdigit() or key in dropped or len(key) < 2:
                continue
            word = syllable if marked else key
            weights[word] = self._idf.get(word, self._unseen)
        return weights, marked

    def find(self, question: str, procedure: Procedure, min_coverage: float = FORM_COVERAGE,
             limit: int = MAX_PASSAGES, ignore: frozenset[str] = frozenset(),
             conditions_if_nothing_else: bool = False) -> list[Passage]:
        """The best sentences (at most ``limit``) that cover at least ``min_coverage`` of the
        question's weight, best first. ``conditions_if_nothing_else``: a question that says no
        more than the procedure's name ("Trường hợp nào được cấp lại thẻ căn cước?") is answered
        by the procedure's conditions."""
        weights, marked = self._question_words(question, procedure, ignore)
        mass = sum(weights.values())
        if mass <= 0:
            text = " ".join(procedure.conditions.split())
            informative = bool(clean(text))  # the portal writes "Không có thông tin"
            if conditions_if_nothing_else and informative:
                return [Passage(procedure.code, "conditions", _cut(text), 1.0)]
            return []
        scored = []
        for field, sentence in sentences(procedure):
            shared = weights.keys() & (_marked_words(sentence) if marked else _words(sentence))
            if len(shared) < MIN_MATCHED:
                continue
            coverage = sum(weights[w] for w in shared) / mass
            if coverage >= min_coverage:
                scored.append(Passage(procedure.code, field, sentence, round(coverage, 3)))
        scored.sort(key=lambda p: (-p.score, FIELD_ORDER.index(p.field)))
        unique: list[Passage] = []
        for passage in scored:
            if all(passage.text != kept.text for kept in unique):
                unique.append(passage)
        return unique[:limit]
