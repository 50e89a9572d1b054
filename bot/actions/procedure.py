"""Answering a question about procedures: which one, and exactly what was asked about it.

``action_answer_procedure`` runs for a procedure question (or when the NLU is unsure),
``action_answer_detail`` for a follow-up whose intent names an aspect ("thế lệ phí bao nhiêu?").
Both go through the same :class:`~knowledge.answer.Answerer` as ``motcua eval answers``.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.focus import focus_on
from bot.actions.services import answerer, procedure_guide, province_overlay
from bot.replies import procedure_card
from bot.replies.answer import ASPECT_INTENTS, HUMAN_BUTTON, Reply, choice_buttons, fit, render
from feedback.scope import Scope, classify_scope
from knowledge.answer import Aspect

ASPECT_OF_INTENT = {intent: aspect for aspect, intent in ASPECT_INTENTS.items()}
SORRY = ("Xin lỗi, tôi gặp lỗi khi tìm câu trả lời. Bạn thử hỏi lại bằng cách khác, "
         "hoặc nhắn «gặp cán bộ» để được người hỗ trợ.")
log = logging.getLogger(__name__)


def reply_to(tracker: Tracker) -> tuple[Reply, list[EventType]]:
    """The reply to the latest message, and the events that keep its procedure in focus."""
    guide = procedure_guide()
    chosen = next(tracker.get_latest_entity_values("procedure_code"), None)
    text = tracker.latest_message.get("text") or ""
    if chosen and (procedure := guide.get(str(chosen))):  # a button: no words to read
        card = fit(procedure_card(procedure, province_overlay()), procedure)
        return Reply(card), focus_on(tracker, procedure)
    intent = tracker.get_intent_of_latest_message() or ""
    asked: tuple[Aspect, ...] = (ASPECT_OF_INTENT[intent],) if intent in ASPECT_OF_INTENT else ()
    if text.startswith("/"):  # an aspect button: the intent says it all
        text = ""
    focus = guide.get(tracker.get_slot("procedure_code") or "")
    answer = answerer().answer(text, focus=focus, asked=asked)
    reply = render(answer, province_overlay())
    return reply, (focus_on(tracker, answer.procedure) if answer.procedure else [])


class ActionAnswerProcedure(Action):
    """Find the procedure a message is about and answer what it asks (or offer a choice)."""

    def name(self) -> str:
        return "action_answer_procedure"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        scope = classify_scope(text)
        if scope.scope is not Scope.PETITION and scope.procedure_query:
            # Khiếu nại / tố cáo follow their own laws: say so, and offer the matching procedures
            # only when the catalogue clearly has them (no wrong procedure stated with confidence).
            related = procedure_guide().find(f"{scope.procedure_query} {text}", k=3)
            buttons = choice_buttons(related.procedures) if related.confident else []
            dispatcher.utter_message(text=scope.guidance or "", buttons=buttons)
            return []
        try:
            reply, events = reply_to(tracker)
        except Exception:  # a bug must not leave the citizen without an answer
            log.exception("answering failed")
            dispatcher.utter_message(text=SORRY, buttons=[HUMAN_BUTTON])
            return []
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        return events


class ActionAnswerDetail(ActionAnswerProcedure):
    """A follow-up about one aspect ("nộp ở đâu?"): the same answer, the intent naming the aspect."""

    def name(self) -> str:
        return "action_answer_detail"


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
        card = procedure_card(previous, province_overlay())
        dispatcher.utter_message(text=fit(f"Quay lại thủ tục trước:\n{card}", previous))
        return focus_on(tracker, previous)
