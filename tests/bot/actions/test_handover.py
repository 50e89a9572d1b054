"""bot/actions/handover.py with a rasa-sdk tracker and a real live-help queue: the citizen is
queued once, with the procedure in focus, and told honestly when an officer will answer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.handover import ActionHandover
from bot.handover.desk import HandoverDesk, Status
from bot.office_hours import VIETNAM
from tests.bot.actions.chat import said, tracker
from tests.support.database import migrated_url

MONDAY_MORNING = datetime(2025, 11, 24, 9, 0, tzinfo=VIETNAM)
SATURDAY_EVENING = datetime(2025, 11, 22, 20, 0, tzinfo=VIETNAM)


@pytest.fixture()
def desk(tmp_path: Path) -> HandoverDesk:
    return HandoverDesk(migrated_url(tmp_path))


def ask_for_officer(desk: HandoverDesk, guide, now: datetime, **slots) -> tuple[list, list]:
    action = ActionHandover(lambda: desk, lambda: guide, lambda: now)
    dispatcher = CollectingDispatcher()
    message = tracker("gặp cán bộ", "request_human", slots, sender_id="telegram-42",
                      metadata={"channel": "telegram", "address": "42"})
    events = action.run(dispatcher, message, {})
    return said(dispatcher), events


def test_in_office_hours_the_citizen_is_queued_with_the_procedure_in_focus(desk, guide, catalogue) -> None:
    [reply], events = ask_for_officer(desk, guide, MONDAY_MORNING, procedure_code="1.001193")
    assert reply.response == "utter_handover_queued" and events == []
    assert reply.says("hàng chờ gặp cán bộ") and not reply.says("ngoài giờ")
    [request] = desk.queue()
    assert (request.conversation_id, request.channel, request.address, request.topic, request.status) == (
        "telegram-42", "telegram", "42", catalogue["1.001193"].name, Status.WAITING)


def test_out_of_hours_the_citizen_is_told_when_the_counters_open(desk, guide) -> None:
    [reply], _ = ask_for_officer(desk, guide, SATURDAY_EVENING)
    assert reply.response == "utter_handover_queued_closed"
    assert reply.says("ngoài giờ làm việc") and reply.says("7:30 Thứ Hai 24/11")
    assert [r.topic for r in desk.queue()] == [""]  # no procedure in focus


def test_asking_twice_queues_once(desk, guide) -> None:
    ask_for_officer(desk, guide, MONDAY_MORNING)
    [reply], _ = ask_for_officer(desk, guide, MONDAY_MORNING)
    assert reply.says("hàng chờ gặp cán bộ")
    assert len(desk.queue()) == 1
