"""The knowledge service the dialogue asks: "which procedures fit this question?" and "tell me about
this one". It knows nothing of Rasa; bot/actions turns its answers into messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.procedure import Level, Procedure
from knowledge.retrieval import Retriever
from knowledge.retrieval.twins import LOCAL_LEVELS


@dataclass(frozen=True)
class Match:
    """One candidate procedure; ``twins``: the same procedure at other levels of government (the
    candidate is the variant the province or commune handles, unless the question asked for the
    central level)."""

    procedure: Procedure
    score: float
    twins: tuple[Procedure, ...] = ()


@dataclass(frozen=True)
class Guidance:
    """Candidate procedures for a question, best first.

    ``confident``: present the best one as *the* answer (it fits the question and no other
    procedure comes close; calibrated in ``knowledge.retrieval.confidence``). Otherwise offer
    the matches. ``ambiguous``: the best one fits, but another procedure is almost as good, so
    the citizen should choose (never true together with ``confident``).
    """

    matches: tuple[Match, ...]
    confident: bool
    ambiguous: bool = False
    name_coverage: float = 0.0  # how much of the best one's name the question says (0–1)

    @property
    def procedures(self) -> tuple[Procedure, ...]:
        return tuple(m.procedure for m in self.matches)

    @property
    def best(self) -> Procedure | None:
        return self.matches[0].procedure if self.matches else None

    def includes(self, procedure: Procedure) -> bool:
        """True when ``procedure`` is one of the matches or a twin of one (the same procedure at
        another level: a conversation about the central variant found again in other words)."""
        return any(procedure == m.procedure or procedure in m.twins for m in self.matches)


class ProcedureGuide:
    """Looks procedures up by question (through the retriever) or by code.

    ``local_levels``: the levels of government the deployment handles itself (default: province
    and commune, for Lạng Sơn); of a procedure published at several levels, the variant at these
    levels is the one offered. Empty: no preference.
    """

    def __init__(
        self,
        procedures: Sequence[Procedure],
        retriever: Retriever,
        local_levels: Iterable[Level] = LOCAL_LEVELS,
    ) -> None:
        self._by_code = {p.code: p for p in procedures}
        self._retriever = retriever
        self.local_levels = frozenset(local_levels)

    def find(self, question: str, k: int = 3) -> Guidance:
        result = self._retriever.search(question, k=k, local_levels=self.local_levels)
        matches = tuple(
            Match(
                self._by_code[hit.code],
                hit.score,
                tuple(self._by_code[c] for c in hit.twins if c in self._by_code),
            )
            for hit in result.hits
            if hit.code in self._by_code
        )
        found = bool(matches)
        return Guidance(
            matches,
            confident=found and result.presents_one,
            ambiguous=found and result.ambiguous,
            name_coverage=result.signals.get("name_coverage", 0.0) if found else 0.0,
        )

    def name_coverage(self, question: str, procedure: Procedure) -> float:
        """How much of ``procedure``'s name the question says (0–1, as ``Guidance.name_coverage``)."""
        return self._retriever.name_coverage_of(question, procedure.code)

    def get(self, code: str) -> Procedure | None:
        return self._by_code.get(code.strip())
