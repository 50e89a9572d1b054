"""Retrieval metrics on JSON-lines questions ``{"question": ..., "procedure_codes": [...]}``.

Any listed code counts as correct (the portal links several procedures to one question).
Latency is measured per query after a warm-up, so model loading and first-call costs are excluded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WARM_UP = 5


@dataclass(frozen=True)
class Question:
    text: str
    codes: frozenset[str]


def read_questions(path: Path) -> list[Question]:
    """Questions and their correct procedure codes, one JSON object a line."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            questions.append(Question(row["question"], frozenset(row["procedure_codes"])))
    return questions


def evaluate(rank: Callable[[str], list[str]], questions: list[Question]) -> dict[str, float]:
    """hit@1, hit@5, mrr@10 and query latency percentiles of ``rank`` (question → codes)."""
    for question in questions[:WARM_UP]:
        rank(question.text)
    hit1 = hit5 = reciprocal = 0.0
    latencies = []
    for question in questions:
        start = time.perf_counter()
        codes = rank(question.text)[:10]
        latencies.append((time.perf_counter() - start) * 1000)
        ranks = [i for i, code in enumerate(codes) if code in question.codes]
        if ranks:
            hit1 += ranks[0] == 0
            hit5 += ranks[0] < 5
            reciprocal += 1 / (ranks[0] + 1)
    n = len(questions)
    return {
        "n": n,
        "hit@1": round(hit1 / n, 4),
        "hit@5": round(hit5 / n, 4),
        "mrr@10": round(reciprocal / n, 4),
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p95_ms": round(float(np.percentile(latencies, 95)), 2),
    }
