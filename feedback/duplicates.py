"""Near-duplicates: the same issue at the same place, still open, filed recently — found by an index.

Only open, non-duplicate petitions can be an original, so each database indexes just those, on
``petition.match_text`` (folded content syllables, see ``feedback.derived``):

- SQLite: the FTS5 table ``petition_match`` (match_text, place), kept by triggers (migration 0002);
- PostgreSQL: a partial B-tree on (place, created_at) narrows to the place's recent candidates and
  ``pg_trgm`` ranks them by trigram similarity (partial GIN index for the planner to use when a
  place has many); where the role could not create the extension, full-text search instead
  (partial GIN index on ``to_tsvector('simple', match_text)``).

The index ranks the place's candidates; the best ``CANDIDATES`` are then scored exactly as before
(Jaccard of content syllables, at least ``MIN_SHARED`` shared), so the decision does not depend on
the database, only which petitions get scored does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import DateTime, bindparam
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from feedback.derived import match_terms
from feedback.models import Petition

log = logging.getLogger(__name__)

SIMILARITY = 0.6
MIN_SHARED = 4
CANDIDATES = 50
# Statuses a petition can be an original in: the lifecycle's open ones (a test checks they agree).
# Migration 0002 wrote this list into its partial indexes and triggers; a change needs a migration.
CANDIDATE_STATES = ("received", "accepted", "info_requested")
TRGM_INDEX = "ix_petition_match_trgm"

# (connection, query terms, place, since) → [(id, match_text)] of at most CANDIDATES candidates
Search = Callable[[Connection, list[str], str, datetime], list[tuple[int, str]]]
# A petition's place: its commune when the location resolved to one, else the location as typed.
PLACE_SQL = "coalesce({t}commune_id, {t}location_text)"


def candidate_sql(table: str = "") -> str:
    """The SQL condition for "may be an original", written with literals so that PostgreSQL can
    match it to the partial indexes of migration 0002."""
    prefix = f"{table}." if table else ""
    states = ", ".join(f"'{s}'" for s in CANDIDATE_STATES)
    return f"{prefix}status IN ({states}) AND {prefix}duplicate_of_id IS NULL"


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets of content syllables (0 below ``MIN_SHARED`` shared)."""
    shared = len(a & b)
    return shared / len(a | b) if shared >= MIN_SHARED else 0.0


def find_duplicate(session: Session, text: str, commune_id: str | None, location_text: str,
                   since: datetime) -> Petition | None:
    """The most similar open petition at the same place filed since ``since``, or None."""
    terms = match_terms(text).split()
    location_text = location_text.strip()
    if len(terms) < MIN_SHARED or not (commune_id or location_text):
        return None
    conn = session.connection()
    rows = _search_for(conn)(conn, terms, commune_id or location_text, since)
    wanted = set(terms)
    best: tuple[float, int] | None = None
    for pid, candidate in rows:
        score = similarity(wanted, set(candidate.split()))
        if score >= SIMILARITY and (best is None or score > best[0]):
            best = (score, pid)
    return session.get(Petition, best[1]) if best else None


def _query(statement: str):
    """A text query whose ``since`` is bound as a datetime column (SQLite compares the strings)."""
    return sql(statement).bindparams(bindparam("since", type_=DateTime(timezone=True)))


def _sqlite(conn: Connection, terms: list[str], place: str, since: datetime) -> list:
    # Terms are folded to [a-z0-9]; the place goes in as a quoted phrase ("" escapes a quote). The
    # FTS match narrows to the place; the join checks the place exactly and the time window.
    query = " OR ".join(f'"{t}"' for t in terms)
    phrase = '"' + place.replace('"', '""') + '"'
    in_place = f" AND place: {phrase}" if any(c.isalnum() for c in place) else ""
    return conn.execute(_query(
        "SELECT p.id, p.match_text FROM petition_match AS m JOIN petition AS p ON p.id = m.rowid "
        f"WHERE petition_match MATCH :match AND {PLACE_SQL.format(t='p.')} = :place "
        f"AND p.created_at >= :since AND {candidate_sql('p')} ORDER BY m.rank LIMIT :limit"
    ), {"match": f"match_text: ({query}){in_place}", "place": place, "since": since,
        "limit": CANDIDATES}).all()


def _trigram(conn: Connection, terms: list[str], place: str, since: datetime) -> list:
    return conn.execute(_query(
        f"SELECT id, match_text FROM petition WHERE {candidate_sql()} AND {PLACE_SQL.format(t='')} = :place "
        "AND created_at >= :since AND match_text % :terms "
        "ORDER BY similarity(match_text, :terms) DESC LIMIT :limit"
    ), {"terms": " ".join(terms), "place": place, "since": since, "limit": CANDIDATES}).all()


def _fulltext(conn: Connection, terms: list[str], place: str, since: datetime) -> list:
    return conn.execute(_query(
        f"SELECT id, match_text FROM petition WHERE {candidate_sql()} AND {PLACE_SQL.format(t='')} = :place "
        "AND created_at >= :since AND to_tsvector('simple', match_text) @@ to_tsquery('simple', :query) "
        "ORDER BY ts_rank(to_tsvector('simple', match_text), to_tsquery('simple', :query)) DESC "
        "LIMIT :limit"
    ), {"query": " | ".join(terms), "place": place, "since": since, "limit": CANDIDATES}).all()


_chosen: dict[str, Search] = {}


def _search_for(conn: Connection) -> Search:
    """The strategy for this database, chosen once per URL by what migration 0002 could create."""
    key = str(conn.engine.url)
    if key not in _chosen:
        if conn.dialect.name == "sqlite":
            _chosen[key] = _sqlite
        else:
            has_trgm = conn.execute(sql("SELECT 1 FROM pg_indexes WHERE indexname = :name"),
                                    {"name": TRGM_INDEX}).first() is not None
            if not has_trgm:
                log.warning("Duplicate search: no pg_trgm index, using PostgreSQL full-text search.")
            _chosen[key] = _trigram if has_trgm else _fulltext
    return _chosen[key]


def strategy_name(engine: Engine) -> str:
    """``fts5``, ``pg_trgm`` or ``tsvector``: which index finds candidates here (for reports)."""
    with engine.connect() as conn:
        search = _search_for(conn)
    return {_sqlite: "fts5", _trigram: "pg_trgm", _fulltext: "tsvector"}[search]
