"""From a citizen's message to what the answer must contain: which procedure (or which ones to
offer), which aspects were asked, and the procedure's own sentences for a passage question.

It decides, it does not phrase: ``bot/replies`` turns an :class:`Answer` into Vietnamese text.
The chat's actions and ``motcua eval answers`` both go through :meth:`Answerer.answer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.answer.aspects import Aspect, AspectReader, Reading, default_reader
from knowledge.answer.passages import FORM_COVERAGE, OTHER_COVERAGE, Passage, PassageFinder
from knowledge.guide import Guidance, ProcedureGuide
from knowledge.procedure import Procedure

CANDIDATES = 3
# A question that says at least half of another procedure's name (IDF-weighted) is about that
# one, not a follow-up on the procedure in focus.
NAMES_ANOTHER = 0.5


@dataclass(frozen=True)
class Answer:
    """What to say. Exactly one of three shapes:

    - ``procedure`` set: it is presented as *the* answer (the retriever was confident, the
      citizen chose it, or the message continues the conversation about it);
    - ``candidates`` set: not sure, so the citizen chooses among them;
    - neither: nothing in the catalogue fits.
    """

    question: str
    aspects: tuple[Aspect, ...]
    passage_question: bool
    names_a_topic: bool = True  # False: a bare follow-up ("lệ phí bao nhiêu?") with no focus
    procedure: Procedure | None = None
    candidates: tuple[Procedure, ...] = ()
    passages: tuple[Passage, ...] = ()  # of ``procedure``; with candidates, the best of each

    @property
    def unanswered_passage(self) -> bool:
        """A "có được … không" question about the procedure that neither its fields nor its text
        answer."""
        return (self.procedure is not None and self.passage_question and not self.passages
                and not self.aspects)


class Answerer:
    """Reads the question, finds the procedure, and picks what to quote. Build once per process."""

    def __init__(self, guide: ProcedureGuide, passages: PassageFinder,
                 reader: AspectReader | None = None) -> None:
        self.guide = guide
        self.reader = reader or default_reader()
        self.passages = passages

    @classmethod
    def build(cls, guide: ProcedureGuide, procedures: Sequence[Procedure]) -> Answerer:
        """``procedures``: the catalogue the guide searches (passage weights are learnt on it)."""
        reader = default_reader()
        return cls(guide, PassageFinder(procedures, form_words=reader.form_words), reader)

    def answer(self, question: str, focus: Procedure | None = None,
               asked: tuple[Aspect, ...] = ()) -> Answer:
        """``focus``: the procedure the conversation is about (or the one the citizen chose);
        ``asked``: the aspect the dialogue already knows (a button, the intent), used when the
        words themselves name none."""
        reading = self.reader.read(question)
        aspects = reading.aspects or tuple(a for a in Aspect if a in asked)
        topic = self.reader.names_a_topic(question)
        if focus is not None and not topic:
            return self._about(focus, question, reading, aspects)
        if not topic:
            return Answer(question, aspects, reading.passage, names_a_topic=False)
        guidance = self.guide.find(question, k=CANDIDATES)
        found = guidance.procedures
        if focus is not None and self._still_about(focus, question, guidance):
            return self._about(focus, question, reading, aspects)
        if guidance.best is not None and guidance.confident:
            return self._about(guidance.best, question, reading, aspects)
        # What each candidate's own text says about the question, to compare them by.
        coverage = FORM_COVERAGE if reading.passage else OTHER_COVERAGE
        cues = self.reader.cue_words(question)
        quotes = tuple(q for p in found
                       for q in self.passages.find(question, p, coverage, limit=1, ignore=cues))
        return Answer(question, aspects, reading.passage, candidates=found, passages=quotes)

    def _still_about(self, focus: Procedure, question: str, guidance: Guidance) -> bool:
        """Whether a message that names something is still about the procedure in focus: the
        search finds it again (or a twin), or nothing else is clearly named, or the message
        names the focus at least as much as the best other procedure."""
        if guidance.confident:  # a clear answer: is it the focus (or its twin)?
            best = guidance.matches[0]
            return focus == best.procedure or focus in best.twins
        if guidance.includes(focus):
            return True
        return (guidance.name_coverage < NAMES_ANOTHER
                or self.guide.name_coverage(question, focus) >= guidance.name_coverage)

    def _about(self, procedure: Procedure, question: str, reading: Reading,
               aspects: tuple[Aspect, ...]) -> Answer:
        if not aspects and not reading.passage:  # the whole card answers it: nothing to quote
            return Answer(question, aspects, reading.passage, procedure=procedure)
        cues = self.reader.cue_words(question)
        if reading.passage:
            found = self.passages.find(question, procedure, ignore=cues,
                                       conditions_if_nothing_else=True)
        else:  # a sentence that clearly speaks of the question adds to the fields' answer
            found = self.passages.find(question, procedure, OTHER_COVERAGE, limit=1, ignore=cues)
        passages = tuple(found)
        return Answer(question, aspects, reading.passage, procedure=procedure, passages=passages)
