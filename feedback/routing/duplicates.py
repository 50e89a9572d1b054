"""Near-duplicates: the same issue at the same place, still open, filed recently."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from feedback.lifecycle import STATES
from feedback.models import Petition
from feedback.text import content_syllables, fold

SIMILARITY = 0.6
MIN_SHARED = 4


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of content syllables (robust to rephrasing and missing diacritics)."""
    sa, sb = content_syllables(fold(a)), content_syllables(fold(b))
    if len(sa & sb) < MIN_SHARED:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def find_duplicate(
    session: Session, text: str, commune_id: str | None, location_text: str, since: datetime
) -> Petition | None:
    """The most similar open petition at the same place, or None."""
    open_states = [name for name, s in STATES.items() if s.open311 == "open"]
    query = select(Petition).where(
        col(Petition.status).in_(open_states),
        Petition.created_at >= since,
        col(Petition.duplicate_of_id).is_(None),
    )
    if commune_id:
        query = query.where(Petition.commune_id == commune_id)
    elif location_text.strip():
        query = query.where(Petition.location_text == location_text.strip())
    else:
        return None
    best: tuple[float, Petition] | None = None
    for candidate in session.exec(query.limit(500)):
        score = similarity(text, candidate.description)
        if score >= SIMILARITY and (best is None or score > best[0]):
            best = (score, candidate)
    return best[1] if best else None
