"""Public text redacted once, keyset indexes, and an index for duplicate search.

New petition columns, derived by ``feedback.derived`` (the ORM keeps them current from now on; this
migration backfills existing rows): public_description, public_answer, public_note, public_search,
listed_at (the public list's sort key, NULL while not listed) and match_text (folded content
syllables). Indexes: (created_at, id) for the Open311 keyset, partial (…, listed_at, id) indexes for
the public list and its filters, a public-search index over listed petitions (SQLite FTS5 table
``petition_public`` kept by triggers; PostgreSQL GIN on ``to_tsvector('simple', public_search)``)
and duplicate-search indexes over open, non-duplicate petitions: SQLite FTS5 table
``petition_match`` kept by triggers; PostgreSQL a B-tree on (place, created_at) and pg_trgm GIN,
or, when the role cannot create the extension, a GIN index on ``to_tsvector('simple', match_text)``.
The backfill uses today's ``feedback.derived`` on purpose: the columns must equal what the ORM
writes from now on.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from feedback.derived import DERIVED, SOURCES, derive

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("feedback.migrations")

BATCH = 2000
LISTED = sa.text("listed_at IS NOT NULL")


def _candidate(row: str = "") -> str:
    """Frozen copy of feedback.duplicates.candidate_sql(): a migration must not change with the code."""
    prefix = f"{row}." if row else ""
    return f"{prefix}status IN ('received', 'accepted', 'info_requested') AND {prefix}duplicate_of_id IS NULL"


CANDIDATE = _candidate()
PUBLIC_INDEXES = {"ix_petition_listed": [], "ix_petition_listed_unit": ["unit_id"],
                  "ix_petition_listed_commune": ["commune_id"],
                  "ix_petition_listed_service": ["service_code"]}

_petition = sa.table(
    "petition", sa.column("id", sa.Integer), sa.column("description", sa.Text),
    sa.column("answer", sa.Text), sa.column("status_note", sa.Text),
    sa.column("text_hidden", sa.Boolean), sa.column("status", sa.String),
    sa.column("duplicate_of_id", sa.Integer), sa.column("answered_at", sa.DateTime(timezone=True)),
    sa.column("closed_at", sa.DateTime(timezone=True)), sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("public_description", sa.Text), sa.column("public_answer", sa.Text),
    sa.column("public_note", sa.Text), sa.column("public_search", sa.Text),
    sa.column("listed_at", sa.DateTime(timezone=True)), sa.column("match_text", sa.Text),
)


def _fts_row(prefix: str) -> str:
    return f"{prefix}.id, {prefix}.match_text, coalesce({prefix}.commune_id, {prefix}.location_text)"


SQLITE_FTS = [
    "CREATE VIRTUAL TABLE petition_match USING fts5(match_text, place, content='', "
    "tokenize=\"unicode61 tokenchars '-'\")",
    f"INSERT INTO petition_match(rowid, match_text, place) "
    f"SELECT {_fts_row('petition')} FROM petition WHERE {CANDIDATE}",
    f"CREATE TRIGGER petition_match_insert AFTER INSERT ON petition "
    f"WHEN {_candidate('NEW')} "
    f"BEGIN INSERT INTO petition_match(rowid, match_text, place) VALUES ({_fts_row('NEW')}); END",
    f"CREATE TRIGGER petition_match_delete AFTER DELETE ON petition "
    f"WHEN {_candidate('OLD')} "
    f"BEGIN INSERT INTO petition_match(petition_match, rowid, match_text, place) "
    f"VALUES ('delete', {_fts_row('OLD')}); END",
    # A contentless FTS5 table forgets a row only when told its exact old values, hence OLD.*.
    f"CREATE TRIGGER petition_match_update AFTER UPDATE OF status, duplicate_of_id, match_text, "
    f"commune_id, location_text ON petition BEGIN "
    f"INSERT INTO petition_match(petition_match, rowid, match_text, place) SELECT 'delete', {_fts_row('OLD')} "
    f"WHERE {_candidate('OLD')}; "
    f"INSERT INTO petition_match(rowid, match_text, place) SELECT {_fts_row('NEW')} "
    f"WHERE {_candidate('NEW')}; END",
]


# The public search index holds listed petitions only (listed_at set), kept the same way.
SQLITE_PUBLIC_FTS = [
    "CREATE VIRTUAL TABLE petition_public USING fts5(public_search, content='')",
    "INSERT INTO petition_public(rowid, public_search) "
    "SELECT id, public_search FROM petition WHERE listed_at IS NOT NULL",
    "CREATE TRIGGER petition_public_insert AFTER INSERT ON petition WHEN NEW.listed_at IS NOT NULL "
    "BEGIN INSERT INTO petition_public(rowid, public_search) VALUES (NEW.id, NEW.public_search); END",
    "CREATE TRIGGER petition_public_delete AFTER DELETE ON petition WHEN OLD.listed_at IS NOT NULL "
    "BEGIN INSERT INTO petition_public(petition_public, rowid, public_search) "
    "VALUES ('delete', OLD.id, OLD.public_search); END",
    "CREATE TRIGGER petition_public_update AFTER UPDATE OF listed_at, public_search ON petition BEGIN "
    "INSERT INTO petition_public(petition_public, rowid, public_search) "
    "SELECT 'delete', OLD.id, OLD.public_search WHERE OLD.listed_at IS NOT NULL; "
    "INSERT INTO petition_public(rowid, public_search) SELECT NEW.id, NEW.public_search "
    "WHERE NEW.listed_at IS NOT NULL; END",
]


def upgrade() -> None:
    bind = op.get_bind()
    for name in ("public_description", "public_search", "match_text"):
        op.add_column("petition", sa.Column(name, sa.Text(), nullable=False, server_default=""))
    for name in ("public_answer", "public_note"):
        op.add_column("petition", sa.Column(name, sa.Text(), nullable=True))
    op.add_column("petition", sa.Column("listed_at", sa.DateTime(timezone=True), nullable=True))
    _backfill(bind)

    op.drop_index("ix_petition_created_at", table_name="petition")
    op.create_index("ix_petition_created_id", "petition", ["created_at", "id"])
    for name, columns in PUBLIC_INDEXES.items():
        op.create_index(name, "petition", [*columns, "listed_at", "id"],
                        sqlite_where=LISTED, postgresql_where=LISTED)
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS + SQLITE_PUBLIC_FTS:
            op.execute(statement)
    else:
        _postgres_match_index(bind)
        op.execute("CREATE INDEX ix_petition_public_search ON petition "
                   "USING gin (to_tsvector('simple', public_search)) WHERE listed_at IS NOT NULL")


def _backfill(bind: sa.engine.Connection) -> None:
    """Compute the derived columns of existing rows, in id order, a batch at a time."""
    p = _petition
    update = p.update().where(p.c.id == sa.bindparam("pid")).values(
        {name: sa.bindparam(f"v_{name}") for name in DERIVED})
    last = 0
    while rows := bind.execute(sa.select(p.c.id, *(p.c[s] for s in SOURCES))
                               .where(p.c.id > last).order_by(p.c.id).limit(BATCH)).mappings().all():
        bind.execute(update, [{"pid": r["id"], **{f"v_{k}": v for k, v in derive(r).items()}}
                              for r in rows])
        last = rows[-1]["id"]


def _postgres_match_index(bind: sa.engine.Connection) -> None:
    """The place's recent candidates by B-tree; pg_trgm if this role may create it (a trusted
    extension: CREATE on the database suffices), else full-text search."""
    op.execute("CREATE INDEX ix_petition_match_place ON petition "
               f"(coalesce(commune_id, location_text), created_at) WHERE {CANDIDATE}")
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm unavailable (%s); duplicate search falls back to full-text search.",
                    type(exc.orig).__name__)
        op.execute("CREATE INDEX ix_petition_match_tsv ON petition "
                   f"USING gin (to_tsvector('simple', match_text)) WHERE {CANDIDATE}")
        return
    op.execute("CREATE INDEX ix_petition_match_trgm ON petition "
               f"USING gin (match_text gin_trgm_ops) WHERE {CANDIDATE}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in ("petition_match", "petition_public"):
            for name in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}")
            op.execute(f"DROP TABLE IF EXISTS {table}")
    else:
        for name in ("ix_petition_match_place", "ix_petition_match_trgm", "ix_petition_match_tsv",
                     "ix_petition_public_search"):
            op.execute(f"DROP INDEX IF EXISTS {name}")
    for name in PUBLIC_INDEXES:
        op.drop_index(name, table_name="petition")
    op.drop_index("ix_petition_created_id", table_name="petition")
    op.create_index("ix_petition_created_at", "petition", ["created_at"])
    with op.batch_alter_table("petition") as batch:
        for name in ("listed_at", "match_text", "public_search", "public_note", "public_answer",
                     "public_description"):
            batch.drop_column(name)
