"""The handover queue and its transcript, in the app database (tables ``handover_*``).

While a conversation is handed over, every channel passes the citizen's messages here instead of
to Rasa (see ``HandoverDesk.active``), and officer replies wait here until the channel's relay
forwards them to its outbox (``undelivered``, then ``claim_delivery``), the web chat's included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text, insert,
    select, update,
)  # fmt: skip
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feedback.db import engine_for

MAX_MESSAGE_CHARS = 2000


class Status(StrEnum):
    WAITING = "waiting"  # in the queue, nobody has claimed it
    CLAIMED = "claimed"  # a person is answering
    CLOSED = "closed"  # handed back to the bot


STATUS_LABELS = {Status.WAITING: "Đang chờ", Status.CLAIMED: "Đang hỗ trợ", Status.CLOSED: "Đã trả lại trợ lý"}

metadata = MetaData()
requests = Table(
    "handover_request", metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(128), nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("address", String(128)),  # the citizen on their channel: Telegram chat, Zalo user, web cookie
    Column("delivered_id", Integer, nullable=False, default=0),  # last message pushed to it
    Column("topic", String(300), nullable=False, default=""),
    Column("status", String(16), nullable=False, index=True),
    Column("claimed_by", String(128)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
)  # fmt: skip
messages = Table(
    "handover_message", metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", ForeignKey("handover_request.id"), nullable=False, index=True),
    Column("sender", String(16), nullable=False),  # "citizen" | "officer" | "system"
    Column("author", String(128)),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)  # fmt: skip


@dataclass(frozen=True)
class Request:
    id: int
    conversation_id: str
    channel: str
    address: str | None
    topic: str
    status: Status
    claimed_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class Message:
    id: int
    request_id: int
    sender: str
    author: str | None
    text: str
    created_at: datetime


class HandoverError(ValueError):
    """A request that cannot be done (already claimed, closed…); the message is for the officer."""


def _now() -> datetime:
    return datetime.now(UTC)


class HandoverDesk:
    def __init__(self, db_url: str) -> None:
        self.engine: Engine = engine_for(db_url)  # tables from the app's migrations

    def open(self, conversation_id: str, channel: str, topic: str = "", address: str | None = None) -> Request:
        """Queue the conversation (idempotent: an open request is returned as it is)."""
        if (current := self.active(conversation_id)) is not None:
            return current
        with self.engine.begin() as db:
            new_id = db.execute(
                insert(requests).values(
                    conversation_id=conversation_id, channel=channel, address=address,
                    topic=topic[:300], status=Status.WAITING, created_at=_now(), delivered_id=0,
                )  # fmt: skip
            ).inserted_primary_key[0]
        return self.get(new_id)

    def get(self, request_id: int) -> Request:
        with self.engine.connect() as db:
            row = db.execute(select(requests).where(requests.c.id == request_id)).one_or_none()
        if row is None:
            raise HandoverError("Không tìm thấy yêu cầu hỗ trợ này.")
        return _request(row)

    def active(self, conversation_id: str) -> Request | None:
        """The open (waiting or claimed) request of a conversation, if any."""
        with self.engine.connect() as db:
            row = db.execute(
                select(requests)
                .where(requests.c.conversation_id == conversation_id, requests.c.status != Status.CLOSED)
                .order_by(requests.c.id.desc())
            ).first()
        return _request(row) if row else None

    def queue(self) -> list[Request]:
        """Open requests, oldest first: first come, first served."""
        with self.engine.connect() as db:
            rows = db.execute(
                select(requests).where(requests.c.status != Status.CLOSED).order_by(requests.c.id)
            ).all()
        return [_request(r) for r in rows]

    def claim(self, request_id: int, officer: str) -> Request:
        with self.engine.begin() as db:
            done = db.execute(
                update(requests)
                .where(requests.c.id == request_id, requests.c.status == Status.WAITING)
                .values(status=Status.CLAIMED, claimed_by=officer)
            ).rowcount
        if not done:
            raise HandoverError("Yêu cầu này đã có người nhận hoặc đã đóng.")
        self._add(request_id, "system", None, f"{officer} đã nhận hỗ trợ bạn.")
        return self.get(request_id)

    def citizen_says(self, conversation_id: str, text: str) -> Message | None:
        """Record a citizen message for the open request; None if there is none."""
        request = self.active(conversation_id)
        if request is None:
            return None
        return self._add(request.id, "citizen", None, text[:MAX_MESSAGE_CHARS])

    def reply(self, request_id: int, officer: str, text: str) -> Message:
        request = self.get(request_id)
        if request.status is not Status.CLAIMED or request.claimed_by != officer:
            raise HandoverError("Bạn cần nhận yêu cầu này trước khi trả lời.")
        text = text.replace("\x00", "").strip()  # PostgreSQL's text holds no NUL
        if not text:
            raise HandoverError("Câu trả lời đang trống.")
        return self._add(request_id, "officer", officer, text[:MAX_MESSAGE_CHARS])

    def release(self, request_id: int, officer: str) -> Request:
        """Hand the conversation back to the bot."""
        request = self.get(request_id)
        if request.status is Status.CLOSED:
            raise HandoverError("Yêu cầu này đã đóng.")
        with self.engine.begin() as db:
            db.execute(
                update(requests).where(requests.c.id == request_id)
                .values(status=Status.CLOSED, closed_at=_now())
            )  # fmt: skip
        self._add(request_id, "system", officer, "Cán bộ đã kết thúc hỗ trợ. Trợ lý Một Cửa tiếp tục giúp bạn.")
        return self.get(request_id)

    def transcript(self, request_id: int) -> list[Message]:
        with self.engine.connect() as db:
            rows = db.execute(
                select(messages).where(messages.c.request_id == request_id).order_by(messages.c.id)
            ).all()
        return [_message(r) for r in rows]

    def undelivered(self, channel: str) -> list[tuple[Request, list[Message]]]:
        """Officer and system messages not yet handed to this channel, per request.
        One indexed query per relay round; the requests are read only when something is pending."""
        with self.engine.connect() as db:
            rows = db.execute(
                select(messages)
                .join(requests, requests.c.id == messages.c.request_id)
                .where(
                    requests.c.channel == channel,
                    requests.c.address.is_not(None),
                    messages.c.id > requests.c.delivered_id,
                    messages.c.sender != "citizen",
                )
                .order_by(messages.c.id)
            ).all()
        pending: dict[int, list[Message]] = {}
        for row in rows:
            pending.setdefault(row.request_id, []).append(_message(row))
        return [(self.get(request_id), batch) for request_id, batch in pending.items()]

    def claim_delivery(self, session: Session, request_id: int, first_id: int, last_id: int) -> bool:
        """Move the request's delivered mark to ``last_id`` unless someone already moved it past
        ``first_id``; in the caller's transaction, so that of several workers forwarding at once
        exactly one queues these messages."""
        result = session.execute(
            update(requests)
            .where(requests.c.id == request_id, requests.c.delivered_id < first_id)
            .values(delivered_id=last_id)
        )
        return result.rowcount == 1

    def _add(self, request_id: int, sender: str, author: str | None, text: str) -> Message:
        with self.engine.begin() as db:
            new_id = db.execute(
                insert(messages).values(
                    request_id=request_id, sender=sender, author=author, text=text, created_at=_now()
                )
            ).inserted_primary_key[0]
        return Message(new_id, request_id, sender, author, text, _now())


def _request(row) -> Request:  # noqa: ANN001 - a SQLAlchemy row
    return Request(row.id, row.conversation_id, row.channel, row.address, row.topic,
                   Status(row.status), row.claimed_by, row.created_at)  # fmt: skip


def _message(row) -> Message:  # noqa: ANN001
    return Message(row.id, row.request_id, row.sender, row.author, row.text, row.created_at)
