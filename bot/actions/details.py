"""Follow-up questions about the procedure in focus: papers, fee, time, where, who, conditions,
steps, legal basis; and step-by-step online filing."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.focus import focus_on, procedure_in_focus
from bot.actions.services import province_overlay
from bot.replies import detail_text, online_guide_text
from knowledge.procedure import Procedure

ASPECT_OF_INTENT = {
    "ask_papers": "papers",
    "ask_fee": "fee",
    "ask_time": "time",
    "ask_where": "where",
    "ask_who": "who",
    "ask_conditions": "conditions",
    "ask_steps": "steps",
    "ask_legal": "legal",
}


class AnswerAboutFocus(Action, ABC):
    """An answer about the procedure in focus; asks which procedure when there is none.
    (Abstract, so rasa-sdk does not register it as an action.)"""

    @abstractmethod
    def answer(self, procedure: Procedure, tracker: Tracker) -> str: ...

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        procedure = procedure_in_focus(tracker)
        if procedure is None:
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return []
        dispatcher.utter_message(text=self.answer(procedure, tracker))
        return focus_on(tracker, procedure)


class ActionAnswerDetail(AnswerAboutFocus):
    """One aspect of the procedure in focus, chosen by the intent."""

    def name(self) -> str:
        return "action_answer_detail"

    def answer(self, procedure: Procedure, tracker: Tracker) -> str:
        aspect = ASPECT_OF_INTENT.get(tracker.get_intent_of_latest_message() or "", "papers")
        return detail_text(procedure, aspect, province_overlay())


class ActionOnlineGuide(AnswerAboutFocus):
    """How to file the procedure in focus online, or where to go when it can't be."""

    def name(self) -> str:
        return "action_online_guide"

    def answer(self, procedure: Procedure, tracker: Tracker) -> str:
        overlay = province_overlay()
        return online_guide_text(procedure, overlay.online_portal_url, overlay)
