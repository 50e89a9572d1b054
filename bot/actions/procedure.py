"""Answering a question about procedures: which one, and exactly what was asked about it.

``action_answer_procedure`` runs for a procedure question (or when the NLU is unsure),
``action_answer_detail`` for a follow-up whose intent names an aspect ("thế lệ phí bao nhiêu?").
Both go through the same :class:`~knowledge.answer.Answerer` as ``motcua eval answers``.
The computed replies come from bot/replies; the fixed sentences are domain responses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import services
from bot.actions.focus import focus_on
from bot.replies import procedure_card
from bot.replies.answer import ASPECT_INTENTS, Reply, choice_buttons, fit, render
from feedback.scope import Scope, classify_scope
from knowledge.answer import Answerer, Aspect
from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.guide import ProcedureGuide

ASPECT_OF_INTENT = {intent: aspect for aspect, intent in ASPECT_INTENTS.items()}
log = logging.getLogger(__name__)


class ActionAnswerProcedure(Action):
    """Find the procedure a message is about and answer what it asks (or offer a choice).

    The services are passed as builders, so that the action server builds them once, lazily, and
    tests can hand in their own (a lexical retriever instead of the e5 model)."""

    def __init__(
        self,
        guide: Callable[[], ProcedureGuide] = services.procedure_guide,
        answerer: Callable[[], Answerer] = services.answerer,
        overlay: Callable[[], ProvincialOverlay] = services.province_overlay,
    ) -> None:
        self._guide = guide
        self._answerer = answerer
        self._overlay = overlay

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
            related = self._guide().find(f"{scope.procedure_query} {text}", k=3)
            buttons = choice_buttons(related.procedures) if related.confident else []
            dispatcher.utter_message(text=scope.guidance or "", buttons=buttons)
            return []
        try:
            reply, events = self.reply_to(tracker)
        except Exception:  # a bug must not leave the citizen without an answer
            log.exception("answering failed")
            dispatcher.utter_message(response="utter_answer_failed")
            return []
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        return events

    def reply_to(self, tracker: Tracker) -> tuple[Reply, list[EventType]]:
        """The reply to the latest message, and the events that keep its procedure in focus."""
        guide = self._guide()
        chosen = next(tracker.get_latest_entity_values("procedure_code"), None)
        text = tracker.latest_message.get("text") or ""
        if chosen and (procedure := guide.get(str(chosen))):  # a button: no words to read
            card = fit(procedure_card(procedure, self._overlay()), procedure)
            return Reply(card), focus_on(tracker, procedure)
        # Unsure NLU (nlu_fallback): its runner-up is a guess, not an aspect the citizen asked for.
        intent = tracker.get_intent_of_latest_message(skip_fallback_intent=False) or ""
        asked: tuple[Aspect, ...] = (ASPECT_OF_INTENT[intent],) if intent in ASPECT_OF_INTENT else ()
        if text.startswith("/"):  # an aspect button: the intent says it all
            text = ""
        focus = guide.get(tracker.get_slot("procedure_code") or "")
        answer = self._answerer().answer(text, focus=focus, asked=asked)
        reply = render(answer, self._overlay())
        return reply, (focus_on(tracker, answer.procedure) if answer.procedure else [])


class ActionAnswerDetail(ActionAnswerProcedure):
    """A follow-up about one aspect ("nộp ở đâu?"): the same answer, the intent naming the aspect."""

    def name(self) -> str:
        return "action_answer_detail"


class ActionGoBack(Action):
    """"Quay lại": return to the procedure discussed before the current one."""

    def __init__(
        self,
        guide: Callable[[], ProcedureGuide] = services.procedure_guide,
        overlay: Callable[[], ProvincialOverlay] = services.province_overlay,
    ) -> None:
        self._guide = guide
        self._overlay = overlay

    def name(self) -> str:
        return "action_go_back"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        previous = self._guide().get(tracker.get_slot("previous_procedure_code") or "")
        if previous is None:
            dispatcher.utter_message(response="utter_no_previous_procedure")
            return []
        # The card alone fills a bubble: the words that say where we are come in their own.
        dispatcher.utter_message(response="utter_back_to_previous")
        dispatcher.utter_message(text=fit(procedure_card(previous, self._overlay()), previous))
        return focus_on(tracker, previous)
