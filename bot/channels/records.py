"""The channels' tables in the app database: what must survive a restart of a channel process.

Table names start with ``ch_`` so they can never collide with the other packages' tables in the
one database (their schema comes from the app's migration history, ``motcua/migrations``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC, as sqlmodel's datetime columns require (they read back as aware UTC too)."""
    return datetime.now(UTC)


class OutboxMessage(SQLModel, table=True):
    """One message to deliver on one channel; rows are never deleted, only marked.

    ``state``: pending → sent; held (outside Zalo's window, released when the user writes);
    rerouted (a copy went to the next fallback channel); dead (refused for good, listed for
    officers with ``error_code``/``error_reason``/``error_hint``); requeued (an officer sent a copy).
    """

    __tablename__ = "ch_outbox"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16, index=True)
    address: str = Field(max_length=200, index=True)
    kind: str = Field(default="reply", max_length=16)  # reply | notice
    body: str = Field(sa_column=Column(Text, nullable=False))  # BotMessage.as_dict() as JSON
    fallbacks: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    state: str = Field(default="pending", max_length=16, index=True)
    not_before: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    platform_message_id: str | None = Field(default=None, max_length=100, index=True)
    delivered_at: datetime | None = None  # from a delivery receipt, where the platform sends one
    error_code: str | None = Field(default=None, max_length=32)  # the platform's, when refused
    error_reason: str | None = Field(default=None, max_length=500)  # the platform's words
    error_hint: str | None = Field(default=None, max_length=500)  # Vietnamese, for officers
    failed_at: datetime | None = None


class InboxMessage(SQLModel, table=True):
    """A citizen's message, stored before it is acknowledged and kept until Rasa has answered it."""

    __tablename__ = "ch_inbox"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=200)
    sender: str = Field(max_length=200, index=True)  # the Rasa conversation id
    text: str = Field(sa_column=Column(Text, nullable=False))
    meta: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    state: str = Field(default="pending", max_length=16, index=True)  # pending | done
    next_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    apologised: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None


class SeenEvent(SQLModel, table=True):
    """Platform event ids already handled (Telegram update_id, Zalo msg_id): replays are ignored."""

    __tablename__ = "ch_seen"

    channel: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=100)
    seen_at: datetime = Field(default_factory=utcnow, index=True)


class Contact(SQLModel, table=True):
    """When a user last wrote to us: Zalo allows free-form messages only for a while after that."""

    __tablename__ = "ch_contact"

    channel: str = Field(primary_key=True, max_length=16)
    address: str = Field(primary_key=True, max_length=200)
    last_inbound_at: datetime = Field(default_factory=utcnow)


class ButtonPayload(SQLModel, table=True):
    """Short key → Rasa payload, because Telegram's callback_data holds at most 64 bytes."""

    __tablename__ = "ch_button"

    key: str = Field(primary_key=True, max_length=32)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class AssistedSession(SQLModel, table=True):
    """A conversation a community helper holds on a citizen's behalf, and what it produced."""

    __tablename__ = "ch_assisted"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=200, index=True)  # the helper's chat
    helper_id: str = Field(max_length=64)
    helper_name: str = Field(max_length=200)
    citizen_label: str = Field(default="", max_length=200)
    procedures: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    tracking_codes: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class ZaloToken(SQLModel, table=True):
    """The OA tokens in use. Zalo refresh tokens are single-use, so each new pair is stored."""

    __tablename__ = "ch_zalo_token"

    id: int = Field(default=1, primary_key=True)
    access_token: str = Field(sa_column=Column(Text, nullable=False))
    refresh_token: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime
    seed_digest: str = Field(max_length=64)  # which env tokens this chain started from
    # One refresh at a time across processes: a refresher sets these with a compare-and-set.
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    refreshed_at: datetime | None = None


class ChannelAlert(SQLModel, table=True):
    """Something officers must fix (a Zalo token that cannot be refreshed), until it is cleared."""

    __tablename__ = "ch_alert"

    key: str = Field(primary_key=True, max_length=64)
    channel: str = Field(max_length=16)
    message: str = Field(sa_column=Column(Text, nullable=False))  # Vietnamese, for officers
    raised_at: datetime = Field(default_factory=utcnow)
    cleared_at: datetime | None = None


class ZnsMessage(SQLModel, table=True):
    """One ZNS notice by its tracking id: a notice Zalo accepted is never sent a second time."""

    __tablename__ = "ch_zns_message"

    tracking_id: str = Field(primary_key=True, max_length=64)
    notice: str = Field(max_length=32)
    template_id: str = Field(max_length=32)
    msg_id: str | None = Field(default=None, max_length=64, index=True)  # Zalo's id, once known
    attempted_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    delivered_at: datetime | None = None  # from the delivery receipt


class ZnsTemplateStatus(SQLModel, table=True):
    """The last status Zalo reported for a ZNS template (ENABLE, PENDING_REVIEW, REJECT…)."""

    __tablename__ = "ch_zns_template_status"

    template_id: str = Field(primary_key=True, max_length=32)
    status: str = Field(max_length=32)
    previous: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, max_length=500)
    changed_at: datetime

