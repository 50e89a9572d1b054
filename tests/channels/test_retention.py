"""Retention of the channel tables (bot/channels/retention.py): finished rows older than the
policy go, in batches; pending, held and recent rows stay; dead letters stay longer; photos the
channels downloaded go after as long, unless a pending message still names them; the web app
prunes while it runs."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.channels import retention
from bot.channels.records import InboxMessage, OutboxMessage, SeenEvent, utcnow
from bot.channels.retention import Retention
from bot.channels.store import open_store
from feedback.db import session_scope
from motcua.settings import Settings
from motcua.web import create_app
from tests.conftest import free_port
from tests.support.database import migrated_url

POLICY = Retention(keep_days=30, dead_keep_days=180, seen_keep_days=7)


def _outbox(label: str, state: str, age_days: float, failed_days: float | None = None,
            channel: str = "telegram") -> OutboxMessage:
    now = utcnow()
    return OutboxMessage(channel=channel, address=label, kind="notice", body="{}", state=state,
                         created_at=now - timedelta(days=age_days),
                         failed_at=None if failed_days is None else now - timedelta(days=failed_days))


def _inbox(label: str, state: str, age_days: float) -> InboxMessage:
    at = utcnow() - timedelta(days=age_days)
    return InboxMessage(channel="telegram", address=label, sender=label, text="…", state=state,
                        created_at=at, done_at=at if state == "done" else None)


def _fill(engine) -> None:
    with session_scope(engine) as session:
        session.add_all([
            _outbox("sent-old", "sent", 31), _outbox("sent-old-2", "sent", 90),
            _outbox("sent-old-3", "sent", 45), _outbox("sent-new", "sent", 29),
            _outbox("rerouted-old", "rerouted", 40), _outbox("requeued-old", "requeued", 40),
            _outbox("pending-old", "pending", 400), _outbox("held-old", "held", 400),
            _outbox("dead-recent", "dead", 200, failed_days=100),  # failed recently: kept
            _outbox("dead-old", "dead", 200, failed_days=181),
            # The web chat's rows wait for a page: one no page fetched in 30 days never will be.
            _outbox("web-unfetched-old", "pending", 31, channel="web"),
            _outbox("web-unfetched-new", "pending", 29, channel="web"),
            _inbox("done-old", "done", 31), _inbox("done-old-2", "done", 60),
            _inbox("done-new", "done", 2), _inbox("pending-old", "pending", 90),
            SeenEvent(channel="telegram", key="u1", seen_at=utcnow() - timedelta(days=8)),
            SeenEvent(channel="telegram", key="u2", seen_at=utcnow() - timedelta(days=9)),
            SeenEvent(channel="zalo", key="m1", seen_at=utcnow() - timedelta(days=8)),
            SeenEvent(channel="zalo", key="m2", seen_at=utcnow() - timedelta(days=1)),
        ])


def _left(engine) -> tuple[set[str], set[str], set[str]]:
    with Session(engine) as session:
        return ({r.address for r in session.exec(select(OutboxMessage))},
                {r.address for r in session.exec(select(InboxMessage))},
                {f"{r.channel}:{r.key}" for r in session.exec(select(SeenEvent))})


def test_finished_rows_older_than_the_policy_go_in_batches_and_the_rest_stays(tmp_path: Path) -> None:
    engine = open_store(migrated_url(tmp_path))
    _fill(engine)
    counts = asyncio.run(retention.prune(engine, POLICY, batch=2, pause_s=0))  # several batches
    outbox, inbox, seen = _left(engine)
    assert outbox == {"sent-new", "pending-old", "held-old", "dead-recent", "web-unfetched-new"}
    assert inbox == {"done-new", "pending-old"}
    assert seen == {"zalo:m2"}
    assert counts == {"ch_inbox": 2, "ch_outbox": 7, "ch_seen": 3}
    assert asyncio.run(retention.prune(engine, POLICY)) == {"ch_inbox": 0, "ch_outbox": 0, "ch_seen": 0}


def _photo(folder: Path, name: str, age_days: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"\xff\xd8\xff photo")
    at = time.time() - age_days * 86400
    os.utime(path, (at, at))
    return path


def _uploads(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _fill_uploads(engine, uploads: Path) -> None:
    """Photos of every age, in both channels' download areas and elsewhere under uploads."""
    for area in ("telegram", "zalo"):
        _photo(uploads / area, "old.jpg", 31)
        _photo(uploads / area, "older.jpg", 400)
        _photo(uploads / area, "new.jpg", 29)
    waiting = _photo(uploads / "zalo", "waiting.jpg", 40)  # its message is not answered yet
    _photo(uploads, "not-a-download.jpg", 400)  # not in a channel's download area
    with session_scope(engine) as session:
        meta = json.dumps({"image": {"path": str(waiting)}})
        session.add(InboxMessage(channel="zalo", address="u9", sender="u9", text="…",
                                 state="pending", meta=meta))


UPLOADS_LEFT = {"telegram/new.jpg", "zalo/new.jpg", "zalo/waiting.jpg", "not-a-download.jpg"}


def test_downloaded_photos_older_than_the_policy_go(tmp_path: Path) -> None:
    engine = open_store(migrated_url(tmp_path))
    uploads = tmp_path / "uploads"
    _fill_uploads(engine, uploads)
    counts = asyncio.run(retention.prune(engine, POLICY, uploads=uploads))
    assert counts["uploads"] == 4
    assert _uploads(uploads) == UPLOADS_LEFT
    assert asyncio.run(retention.prune(engine, POLICY, uploads=tmp_path / "none"))["uploads"] == 0


def test_the_web_app_prunes_while_it_runs(tmp_path: Path) -> None:
    settings = Settings(rasa_port=free_port(), data_dir=tmp_path, db_url=migrated_url(tmp_path),
                        channel_keep_days=30)
    engine = open_store(migrated_url(tmp_path))
    _fill(engine)
    _fill_uploads(engine, tmp_path / "uploads")
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 30
        # Photos go last: once they have, the tables have been pruned too.
        while _uploads(tmp_path / "uploads") != UPLOADS_LEFT:
            assert time.monotonic() < deadline, "old photos were not deleted"
            time.sleep(0.05)
    outbox, inbox, seen = _left(engine)
    assert outbox == {"sent-new", "pending-old", "held-old", "dead-recent", "web-unfetched-new"}
    assert inbox == {"done-new", "pending-old", "u9"}
    assert seen == {"zalo:m2"}  # event ids too (the Zalo webhook no longer prunes its own)
