"""Database tables. Portable types only (no JSON/ARRAY/ENUM), so SQLite and PostgreSQL share one schema."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint, event, inspect, text
from sqlmodel import Field, SQLModel

from feedback.deadlines import utcnow
from feedback.derived import DERIVED, SOURCES, derive

_LISTED = text("listed_at IS NOT NULL")


def _public_index(name: str, *columns: str) -> Index:
    """A partial index over listed petitions only, in the public list's (listed_at, id) order."""
    return Index(name, *columns, "listed_at", "id", sqlite_where=_LISTED, postgresql_where=_LISTED)


class Petition(SQLModel, table=True):
    """One phản ánh, kiến nghị, from any channel."""

    __table_args__ = (
        Index("ix_petition_created_id", "created_at", "id"),  # Open311 list, keyset order
        _public_index("ix_petition_listed"),
        _public_index("ix_petition_listed_unit", "unit_id"),
        _public_index("ix_petition_listed_commune", "commune_id"),
        _public_index("ix_petition_listed_service", "service_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    channel: str = Field(max_length=32)
    service_code: str | None = Field(default=None, max_length=64)
    description: str = Field(sa_column=Column(Text, nullable=False))
    location_text: str = Field(default="", max_length=500)
    commune_id: str | None = Field(default=None, max_length=64, index=True)
    lat: float | None = None
    lon: float | None = None
    procedure_code: str | None = Field(default=None, max_length=32)
    dossier_code: str | None = Field(default=None, max_length=64)
    level: str = Field(default="normal", max_length=16)
    status: str = Field(max_length=32, index=True)
    unit_id: str = Field(max_length=64, index=True)
    routing_confidence: float = 0.0
    routing_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    routed_by: str = Field(default="auto", max_length=64)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=32)
    contact_email: str | None = Field(default=None, max_length=200)
    notify_channel: str | None = Field(default=None, max_length=32)
    notify_address: str | None = Field(default=None, max_length=200)
    ack_due: date
    answer_due: date
    acknowledged_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    citizen_verdict: str | None = Field(default=None, max_length=16)
    reopen_count: int = 0
    text_hidden: bool = False
    duplicate_of_id: int | None = Field(default=None, foreign_key="petition.id", index=True)
    # Who may add information (feedback/receipts.py): salted digests only, never the receipt key
    # itself nor the chat id; petitions filed before these existed have neither.
    receipt_key_hash: str | None = Field(default=None, max_length=128)
    owner_hash: str | None = Field(default=None, max_length=128)
    key_failures: int = 0  # wrong receipt keys from anyone since key_failed_at (guessing limit)
    key_failed_at: datetime | None = None
    # Derived (feedback/derived.py), refreshed by the mapper event below; never set them by hand,
    # and change their sources through the ORM (a Core or bulk UPDATE bypasses the event).
    public_description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    public_answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    public_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    public_search: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    listed_at: datetime | None = None
    match_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


@event.listens_for(Petition, "before_insert")
@event.listens_for(Petition, "before_update")
def _refresh_derived(_mapper, _connection, petition: Petition) -> None:
    """Redact once, at write time, whenever a field the public text or the terms depend on changed."""
    state = inspect(petition)
    if state.persistent and not any(state.attrs[f].history.has_changes() for f in SOURCES):
        return
    values = derive({f: getattr(petition, f) for f in SOURCES})
    for key in DERIVED:
        setattr(petition, key, values[key])


class KeyAttempt(SQLModel, table=True):
    """Wrong receipt keys one client typed for one petition: the lock that stops a guesser is the
    client's, so a stranger holding a public code cannot lock the citizen out of their own form.
    ``client`` is a keyed digest of the address (feedback/receipts.py ``Sealer.tag``), never the
    address itself."""

    petition_id: int = Field(foreign_key="petition.id", primary_key=True)
    client: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    failed_at: datetime


class Attachment(SQLModel, table=True):
    """A photo sent with a petition; hiding keeps the bytes for the record."""

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petition.id", index=True)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    hidden: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Every action on a petition or an account, who took it and what changed."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    petition_id: int | None = Field(default=None, foreign_key="petition.id", index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=64)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str | None = Field(default=None, max_length=32)
    from_unit: str | None = Field(default=None, max_length=64)
    to_unit: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Officer(SQLModel, table=True):
    """A console account, bound to one unit."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    unit_id: str = Field(max_length=64, index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class RoutingWeight(SQLModel, table=True):
    """A learned adjustment: how much a term in the text points to (or away from) a unit."""

    __table_args__ = (UniqueConstraint("term", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    term: str = Field(max_length=100, index=True)
    unit_id: str = Field(max_length=64)
    weight: float = 0.0
