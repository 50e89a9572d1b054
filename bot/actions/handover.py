"""\"Gặp cán bộ\": put the conversation in the live-help queue and tell the citizen honestly when
a person will answer. Until an officer hands it back, channels route the citizen's messages to
the officer (bot/handover)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import services
from bot.handover.desk import HandoverDesk
from bot.office_hours import VIETNAM, describe, is_open, next_opening
from knowledge.guide import ProcedureGuide


def now_in_vietnam() -> datetime:
    return datetime.now(VIETNAM)


class ActionHandover(Action):
    """Queue the citizen for an officer; the clock says whether one answers now or at the next
    opening (tests pass their own desk, guide and clock)."""

    def __init__(
        self,
        desk: Callable[[], HandoverDesk] = services.handover_desk,
        guide: Callable[[], ProcedureGuide] = services.procedure_guide,
        clock: Callable[[], datetime] = now_in_vietnam,
    ) -> None:
        self._desk = desk
        self._guide = guide
        self._clock = clock

    def name(self) -> str:
        return "action_handover"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        metadata = tracker.latest_message.get("metadata") or {}
        focus = self._guide().get(tracker.get_slot("procedure_code") or "")
        self._desk().open(
            tracker.sender_id,
            str(metadata.get("channel") or "chat"),
            focus.name if focus else "",
            address=metadata.get("address"),  # push channels deliver the officer's answers there
        )
        now = self._clock()
        if is_open(now):
            dispatcher.utter_message(response="utter_handover_queued")
        else:
            dispatcher.utter_message(response="utter_handover_queued_closed", opening=describe(next_opening(now)))
        return []
