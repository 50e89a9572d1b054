"""Retrieval metrics on JSON-lines questions ``{"question": ..., "procedure_codes": [...]}``.

Any listed code counts as correct (the portal links several procedures to one question).
Latency is measured per query after a warm-up, so model loading and first-call costs are excluded.

Calibration: when the ranker also says whether it would present its first procedure as *the*
answer (a :class:`Ranked`), ``confident_share`` is the share of questions where it would, and
``confident_precision`` the share of those whose first code is correct (None when it never
would). A ranker returning a plain list of codes never presents one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WARM_UP = 5


@dataclass(frozen=True)
class Question:
    text: str
    codes: frozenset[str]


@dataclass(frozen=True)
class Ranked:
    """A ranker's answer: the codes, best first, and whether the first one would be presented as
    the answer (for the retriever: confident and not ambiguous)."""

    codes: Sequence[str]
    presents_one: bool = False


def read_questions(path: Path) -> list[Question]:
    """Questions and their correct procedure codes, one JSON object a line."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            questions.append(Question(row["question"], frozenset(row["procedure_codes"])))
    return questions


def evaluate(
    rank: Callable[[str], Sequence[str] | Ranked], questions: list[Question]
) -> dict[str, float | None]:
    """hit@1, hit@5, mrr@10, confident_share, confident_precision and query latency percentiles
    of ``rank`` (question → codes, or a :class:`Ranked`)."""
    for question in questions[:WARM_UP]:
        rank(question.text)
    hit1 = hit5 = reciprocal = 0.0
    presented = presented_right = 0
    latencies = []
    for question in questions:
        start = time.perf_counter()
        answer = rank(question.text)
        latencies.append((time.perf_counter() - start) * 1000)
        if not isinstance(answer, Ranked):
            answer = Ranked(answer)
        codes = list(answer.codes)[:10]
        ranks = [i for i, code in enumerate(codes) if code in question.codes]
        if ranks:
            hit1 += ranks[0] == 0
            hit5 += ranks[0] < 5
            reciprocal += 1 / (ranks[0] + 1)
        if answer.presents_one and codes:
            presented += 1
            presented_right += codes[0] in question.codes
    n = len(questions)
    return {
        "n": n,
        "hit@1": round(hit1 / n, 4),
        "hit@5": round(hit5 / n, 4),
        "mrr@10": round(reciprocal / n, 4),
        "confident_share": round(presented / n, 4),
        "confident_precision": round(presented_right / presented, 4) if presented else None,
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p95_ms": round(float(np.percentile(latencies, 95)), 2),
    }
