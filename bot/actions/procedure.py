"""Answering "which procedure, and what does it take?" from the catalogue."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.focus import focus_on
from bot.actions.services import procedure_guide, province_overlay
from bot.replies import procedure_card
from feedback.scope import Scope, classify_scope
from knowledge.guide import Guidance

CLARIFY = (
    "Tôi chưa chắc bạn cần thủ tục nào. Bạn chọn một trong các thủ tục dưới đây, "
    "hoặc kể rõ hơn việc cần làm (ví dụ: «đăng ký khai sinh cho con mới sinh»)."
)
NOTHING_FOUND = (
    "Tôi chưa tìm thấy thủ tục phù hợp. Bạn hãy kể rõ hơn việc cần làm, "
    "ví dụ: «làm lại căn cước bị mất» hoặc «đăng ký kết hôn»."
)


def choose_payload(code: str) -> str:
    """Button payload that sends intent ask_procedure with the chosen code, skipping the NLU."""
    return '/ask_procedure{"procedure_code":"%s"}' % code


class ActionAnswerProcedure(Action):
    """Find the procedures matching the citizen's words; answer with a card or ask to choose."""

    def name(self) -> str:
        return "action_answer_procedure"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        guide = procedure_guide()
        chosen = next(tracker.get_latest_entity_values("procedure_code"), None)
        procedure = guide.get(chosen) if chosen else None
        if procedure is not None:  # the citizen picked a button
            dispatcher.utter_message(text=procedure_card(procedure, province_overlay()))
            return focus_on(tracker, procedure)
        text = tracker.latest_message.get("text") or ""
        scope = classify_scope(text)
        if scope.scope is not Scope.PETITION and scope.procedure_query:
            # Khiếu nại / tố cáo follow their own laws: say so, and offer the matching procedures
            # only when the catalogue clearly has them (no wrong procedure stated with confidence).
            related = guide.find(f"{scope.procedure_query} {text}", k=3)
            dispatcher.utter_message(text=scope.guidance or "", buttons=self._choices(related) if related.confident else [])
            return []
        guidance = guide.find(text)
        if guidance.best is None:
            dispatcher.utter_message(text=NOTHING_FOUND)
            return []
        if not guidance.confident:
            dispatcher.utter_message(text=CLARIFY, buttons=self._choices(guidance))
            return []
        dispatcher.utter_message(text=procedure_card(guidance.best, province_overlay()))
        return focus_on(tracker, guidance.best)

    @staticmethod
    def _choices(guidance: Guidance) -> list[dict[str, str]]:
        """One button per candidate procedure; a tap sends its code, skipping the NLU."""
        return [{"title": m.procedure.name, "payload": choose_payload(m.procedure.code)} for m in guidance.matches]


class ActionGoBack(Action):
    """"Quay lại": return to the procedure discussed before the current one."""

    def name(self) -> str:
        return "action_go_back"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        previous = procedure_guide().get(tracker.get_slot("previous_procedure_code") or "")
        if previous is None:
            dispatcher.utter_message(text="Chưa có thủ tục nào trước đó. Bạn cần hỏi thủ tục gì?")
            return []
        dispatcher.utter_message(text=f"Quay lại thủ tục trước:\n{procedure_card(previous, province_overlay())}")
        return focus_on(tracker, previous)
