"""Petition notices for the web chat that no page fetched in time go to the citizen's next channel
(ZNS to their phone): the web chat has no dispatcher that would ever give up on them."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from bot.channels.outbox import queue, reroute_unfetched, take
from bot.channels.records import OutboxMessage, utcnow
from bot.channels.store import open_store
from bot.rasa_client import BotMessage
from feedback.db import session_scope
from motcua.settings import Settings
from motcua.web import create_app
from tests.conftest import free_port
from tests.support.database import migrated_url

PHONE = "84912345678"


def _web(engine, address: str, age_h: float, kind: str = "notice", phone: str | None = PHONE) -> None:
    with session_scope(engine) as session:
        queue(session, "web", address, [BotMessage(text=f"Phản ánh PA-ABC123 ({address})")], kind,
              [("zns", phone)] if phone else [])
        session.flush()
        row = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id).desc())).first()
        row.created_at = utcnow() - timedelta(hours=age_h)
        session.add(row)


def _rows(engine) -> list[tuple[str, str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        return [(r.channel, r.address, r.state, json.loads(r.body)["text"]) for r in rows]


def test_only_old_unfetched_notices_with_a_next_channel_move(tmp_path: Path) -> None:
    engine = open_store(migrated_url(tmp_path))
    _web(engine, "old", 25)
    _web(engine, "recent", 2)
    _web(engine, "fetched", 25)
    _web(engine, "reply", 25, kind="reply")
    _web(engine, "no-phone", 25, phone=None)
    with session_scope(engine) as session:
        assert len(take(session, "web", "fetched", None)) == 1  # the page showed it

    assert reroute_unfetched(engine, "web", timedelta(hours=24)) == 1
    assert _rows(engine) == [
        ("web", "old", "rerouted", "Phản ánh PA-ABC123 (old)"),
        ("web", "recent", "pending", "Phản ánh PA-ABC123 (recent)"),
        ("web", "fetched", "sent", "Phản ánh PA-ABC123 (fetched)"),
        ("web", "reply", "pending", "Phản ánh PA-ABC123 (reply)"),
        ("web", "no-phone", "pending", "Phản ánh PA-ABC123 (no-phone)"),
        ("zns", PHONE, "pending", "Phản ánh PA-ABC123 (old)"),  # the same notice, to the phone
    ]
    assert reroute_unfetched(engine, "web", timedelta(hours=24)) == 0  # moved once
    with session_scope(engine) as session:  # a page opened later no longer shows it as new
        assert [m.text for _, _, m in take(session, "web", "old", None)] == []
    with session_scope(engine) as session:  # nor one that fetches again after its cursor
        assert [m.text for _, _, m in take(session, "web", "old", 0)] == []



def test_the_web_app_moves_unfetched_notices_while_it_runs(tmp_path: Path) -> None:
    engine = open_store(migrated_url(tmp_path))
    _web(engine, "old", 30)
    app = create_app(Settings(rasa_port=free_port(), data_dir=tmp_path, db_url=migrated_url(tmp_path),
                              web_notice_wait_hours=24))
    with TestClient(app):
        deadline = time.monotonic() + 30
        while ("zns", PHONE, "pending", "Phản ánh PA-ABC123 (old)") not in _rows(engine):
            assert time.monotonic() < deadline, "the notice did not move to ZNS"
            time.sleep(0.05)
    assert _rows(engine)[0][2] == "rerouted"
