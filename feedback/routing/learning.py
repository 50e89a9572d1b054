"""Learning from re-routes: terms of a mis-routed text move weight from the wrong unit to the right one."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, select

from feedback.directory import Directory
from feedback.models import RoutingWeight
from feedback.routing.router import unit_class
from feedback.text import STOP_SYLLABLES, bigrams
from nlu.text import fold_words

LEARNING_RATE = 0.2
MAX_WEIGHT = 4.0
MAX_TERMS = 60
def learnable_terms(text: str) -> list[str]:
    """Syllable pairs worth learning: both syllables carry meaning."""
    terms = [t for t in bigrams(fold_words(text))
             if not any(s in STOP_SYLLABLES for s in t.split())]
    return sorted(terms)[:MAX_TERMS]


def load_weights(session: Session) -> dict[str, dict[str, float]]:
    """All learned weights as ``{term: {unit class: weight}}``."""
    weights: dict[str, dict[str, float]] = defaultdict(dict)
    for row in session.exec(select(RoutingWeight)):
        weights[row.term][row.unit_id] = row.weight
    return dict(weights)


def adjustments(directory: Directory, text: str, from_unit: str, to_unit: str
                ) -> list[tuple[str, str, float]]:
    """(term, unit class, delta) for one correction; empty when there is nothing to learn."""
    wrong = unit_class(directory.get(from_unit), from_unit)
    right = unit_class(directory.get(to_unit), to_unit)
    if wrong == right or right == directory.triage_unit:
        return []
    changes = []
    for term in learnable_terms(text):
        changes.append((term, right, LEARNING_RATE))
        if wrong != directory.triage_unit:
            changes.append((term, wrong, -LEARNING_RATE))
    return changes


def clamp(weight: float) -> float:
    return max(-MAX_WEIGHT, min(MAX_WEIGHT, weight))


def learn_reroute(
    session: Session, directory: Directory, text: str, from_unit: str, to_unit: str
) -> int:
    """Record one correction in the database; returns how many weights changed."""
    changes = adjustments(directory, text, from_unit, to_unit)
    for term, cls, delta in changes:
        row = session.exec(
            select(RoutingWeight).where(RoutingWeight.term == term, RoutingWeight.unit_id == cls)
        ).first() or RoutingWeight(term=term, unit_id=cls, weight=0.0)
        row.weight = clamp(row.weight + delta)
        session.add(row)
    return len(changes)
