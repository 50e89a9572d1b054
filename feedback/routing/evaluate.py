"""Routing accuracy on a labelled set, statically and with learning from simulated re-routes."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from feedback.directory import Directory
from feedback.location import resolve_location
from feedback.routing.learning import adjustments, clamp
from feedback.routing.router import ProcedureHint, Router

DEFAULT_EVAL_FILE = Path(__file__).resolve().parent.parent / "data" / "routing_eval.jsonl"


@dataclass(frozen=True)
class Case:
    text: str
    expected: str
    location: str = ""
    procedure: ProcedureHint | None = None
    service_code: str | None = None
    source: str = "written"


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    auto: int = 0
    auto_correct: int = 0
    held_out: int = 0
    held_out_static: int = 0
    held_out_learned: int = 0
    by_source: dict[str, tuple[int, int]] = field(default_factory=dict)
    errors: list[tuple[Case, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def coverage(self) -> float:
        return self.auto / self.total if self.total else 0.0

    @property
    def auto_precision(self) -> float:
        return self.auto_correct / self.auto if self.auto else 0.0

    @property
    def held_out_static_accuracy(self) -> float:
        return self.held_out_static / self.held_out if self.held_out else 0.0

    @property
    def held_out_learned_accuracy(self) -> float:
        return self.held_out_learned / self.held_out if self.held_out else 0.0


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        proc = row.get("procedure")
        cases.append(Case(row["text"], row["expected"], row.get("location", ""),
                          ProcedureHint(**proc) if proc else None, row.get("service_code"),
                          row.get("source", "written")))
    return cases


def _learn(weights: dict[str, dict[str, float]], directory: Directory, text: str,
           wrong: str, right: str) -> None:
    """Apply one correction to in-memory weights, exactly as the console does in the database."""
    for term, cls, delta in adjustments(directory, text, wrong, right):
        weights.setdefault(term, {})
        weights[term][cls] = clamp(weights[term].get(cls, 0.0) + delta)


def evaluate(directory: Directory, cases: list[Case], threshold: float = 0.5) -> Report:
    """Static accuracy on all cases; then officers correct every miss on the even-numbered cases,
    and the odd-numbered ones (never corrected) are routed again with what was learned."""
    report = Report(total=len(cases))
    static = Router(directory, {}, threshold)
    learned: dict[str, dict[str, float]] = {}
    per_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    decisions = []
    for case in cases:
        location = resolve_location(case.location, directory)
        decision = static.route(case.text, location, case.procedure, case.service_code)
        decisions.append((case, location, decision))
        right = decision.unit_id == case.expected
        report.correct += right
        per_source[case.source][0] += right
        per_source[case.source][1] += 1
        if not decision.to_triage:
            report.auto += 1
            report.auto_correct += right
        if not right:
            report.errors.append((case, decision.unit_id))
    for case, _, decision in decisions[0::2]:
        if decision.unit_id != case.expected:
            _learn(learned, directory, case.text, decision.unit_id, case.expected)
    trained = Router(directory, learned, threshold)
    for case, location, decision in decisions[1::2]:
        report.held_out += 1
        report.held_out_static += decision.unit_id == case.expected
        again = trained.route(case.text, location, case.procedure, case.service_code)
        report.held_out_learned += again.unit_id == case.expected
    report.by_source = {k: (v[0], v[1]) for k, v in per_source.items()}
    return report
