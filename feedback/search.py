"""Search in the public list: the listed petitions whose redacted text has words starting so.

A search is a phrase of folded words, the last one a prefix ("den duo" finds "… đèn đường …"), in
``petition.public_search``. Two ways to find matches, chosen by how many there are:

- few (at most ``cap``): an index gives their ids — SQLite FTS5 table ``petition_public`` kept by
  triggers, PostgreSQL GIN index on ``to_tsvector('simple', public_search)`` (migration 0002);
- many: scanning the list in its own order with ``LIKE`` fills a page after a few thousand rows.

Both read the same words the same way, so which one runs changes the cost, never the answer.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection
from sqlmodel import col

from feedback.models import Petition


def listed_hits(conn: Connection, needle: str, cap: int) -> list[int] | None:
    """Ids of the listed petitions matching ``needle`` (folded words), or None if more than ``cap``."""
    words = needle.split()
    if conn.dialect.name == "sqlite":
        query = ('SELECT rowid FROM petition_public WHERE petition_public MATCH :match LIMIT :limit')
        params = {"match": '"' + " ".join(words) + '" *', "limit": cap + 1}
    else:
        query = ("SELECT id FROM petition WHERE listed_at IS NOT NULL AND "
                 "to_tsvector('simple', public_search) @@ to_tsquery('simple', :match) LIMIT :limit")
        params = {"match": " <-> ".join(words) + ":*", "limit": cap + 1}
    ids = list(conn.execute(sql(query), params).scalars())
    return ids if len(ids) <= cap else None


def matches(needle: str) -> ColumnElement[bool]:
    """The same test as a row condition: the phrase at the start or after a space."""
    return or_(col(Petition.public_search).startswith(needle),
               col(Petition.public_search).contains(f" {needle}"))
