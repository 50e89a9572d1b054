"""\"Gặp cán bộ\": tell the citizen honestly how to reach a person, and when.

The live queue that an officer claims from the web console is not built yet (see the issue
tracker); until then the bot points to the counters and their opening hours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.office_hours import VIETNAM, describe, is_open, next_opening


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        now = datetime.now(VIETNAM)
        if is_open(now):
            when = "Bộ phận Một cửa đang làm việc: bạn có thể đến trực tiếp ngay hôm nay."
        else:
            when = f"Hiện ngoài giờ làm việc. Bộ phận Một cửa mở lại lúc {describe(next_opening(now))}."
        dispatcher.utter_message(
            text=f"{when}\nĐể gặp cán bộ: đến Bộ phận Một cửa UBND xã/phường hoặc Trung tâm Phục vụ "
            "hành chính công tỉnh. Trong lúc chờ, bạn cứ hỏi tôi về giấy tờ, lệ phí, thời hạn."
        )
        return []
