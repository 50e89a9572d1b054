"""Columns derived from a petition's own fields: its public (redacted) text and its duplicate terms.

Why stored: the public list shows 20 rows out of a million, so redaction is done once, when the
text, answer, status or moderation changes, not per row per request; and duplicate search needs
folded terms an index can match. ``models.py`` recomputes them in a mapper event on every ORM
insert and update, so every write path (filing, answering, moderation, a citizen's reopening)
keeps them current; bulk loaders and the migration call ``derive`` themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from feedback.lifecycle import STATES
from feedback.redact import redact
from feedback.text import STOP_SYLLABLES
from nlu.text import fold_words

HIDDEN_TEXT = "[Nội dung đã được ẩn do vi phạm quy định]"

# What the derived columns are computed from; a write touching none of these leaves them alone.
SOURCES = ("description", "answer", "status_note", "text_hidden", "status", "duplicate_of_id",
           "answered_at", "closed_at", "created_at")
DERIVED = ("public_description", "public_answer", "public_note", "public_search", "listed_at",
           "match_text")


def match_terms(text: str) -> str:
    """Distinct folded content syllables in first-seen order: what duplicate search indexes."""
    return " ".join(dict.fromkeys(s for s in fold_words(text).split() if s not in STOP_SYLLABLES))


def listed_at(status: str, duplicate_of_id: int | None, answered_at: datetime | None,
              closed_at: datetime | None, created_at: datetime) -> datetime | None:
    """When the petition entered the public list (its sort key), or None while it is not listed."""
    if not STATES[status].public or duplicate_of_id is not None:
        return None
    return answered_at or closed_at or created_at


def derive(row: Mapping[str, Any]) -> dict[str, Any]:
    """The derived columns for a petition given as a mapping of ``SOURCES``."""
    description = HIDDEN_TEXT if row["text_hidden"] else redact(row["description"])
    answer = redact(row["answer"]) or None
    return {
        "public_description": description,
        "public_answer": answer,
        "public_note": redact(row["status_note"]) or None,
        "public_search": fold_words(f"{description} {answer or ''}"),
        "listed_at": listed_at(row["status"], row["duplicate_of_id"], row["answered_at"],
                               row["closed_at"], row["created_at"]),
        "match_text": match_terms(row["description"]),
    }
