"""\"Gặp cán bộ\": put the conversation in the live-help queue and tell the citizen honestly when
a person will answer. Until an officer hands it back, channels route the citizen's messages to
the officer (bot/handover)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.services import handover_desk, procedure_guide
from bot.office_hours import VIETNAM, describe, is_open, next_opening


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        metadata = tracker.latest_message.get("metadata") or {}
        focus = procedure_guide().get(tracker.get_slot("procedure_code") or "")
        handover_desk().open(
            tracker.sender_id,
            str(metadata.get("channel") or "chat"),
            focus.name if focus else "",
            address=metadata.get("address"),  # push channels deliver the officer's answers there
        )
        now = datetime.now(VIETNAM)
        if is_open(now):
            when = "Bạn đã vào hàng chờ gặp cán bộ. Cán bộ sẽ trả lời ngay trong cuộc trò chuyện này."
        else:
            when = (
                "Bạn đã vào hàng chờ gặp cán bộ. Hiện ngoài giờ làm việc; cán bộ sẽ trả lời "
                f"từ {describe(next_opening(now))}, ngay trong cuộc trò chuyện này."
            )
        dispatcher.utter_message(text=f"{when}\nBạn cứ nhắn nội dung cần hỏi, cán bộ sẽ đọc được.")
        return []
