"""The knowledge service the dialogue asks: "which procedures fit this question?" and "tell me about
this one". It knows nothing of Rasa; bot/actions turns its answers into messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.procedure import Procedure
from knowledge.retrieval import Retriever


@dataclass(frozen=True)
class Match:
    procedure: Procedure
    score: float


@dataclass(frozen=True)
class Guidance:
    """Candidate procedures for a question, best first, and whether the best one clearly fits."""

    matches: tuple[Match, ...]
    confident: bool

    @property
    def best(self) -> Procedure | None:
        return self.matches[0].procedure if self.matches else None


class ProcedureGuide:
    """Looks procedures up by question (through the retriever) or by code."""

    def __init__(self, procedures: Sequence[Procedure], retriever: Retriever) -> None:
        self._by_code = {p.code: p for p in procedures}
        self._retriever = retriever

    def find(self, question: str, k: int = 3) -> Guidance:
        result = self._retriever.search(question, k=k)
        matches = tuple(
            Match(self._by_code[hit.code], hit.score) for hit in result.hits if hit.code in self._by_code
        )
        return Guidance(matches, confident=result.confident and bool(matches))

    def get(self, code: str) -> Procedure | None:
        return self._by_code.get(code.strip())
