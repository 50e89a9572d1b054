"""Paperwork checklist (Rasa form `checklist_form`): paper by paper, the citizen says whether they
have it; at the end the bot lists what is missing and where to get it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import services
from bot.replies.checklist import missing_papers_text
from bot.replies.papers import bare_name
from bot.replies.text import shorten
from knowledge.guide import ProcedureGuide
from knowledge.procedure import PaperKind, Procedure


def _index(tracker: Tracker) -> int:
    return int(tracker.get_slot("checklist_index") or 0)


class _OnFocus:
    """The checklist's steps all work on the procedure in focus, looked up in the guide they are
    given (the action server's by default; tests hand in one over the lexical retriever)."""

    def __init__(self, guide: Callable[[], ProcedureGuide] = services.procedure_guide) -> None:
        super().__init__()
        self._guide = guide

    def _procedure(self, tracker: Tracker) -> Procedure | None:
        code = tracker.get_slot("procedure_code")
        return self._guide().get(code) if code else None


class ActionStartChecklist(_OnFocus, Action):
    """Reset the checklist for the procedure in focus."""

    def name(self) -> str:
        return "action_start_checklist"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        procedure = self._procedure(tracker)
        if procedure is not None and procedure.required_papers:
            dispatcher.utter_message(response="utter_checklist_start", procedure=procedure.name,
                                     count=len(procedure.required_papers))
        return [SlotSet("checklist_index", 0), SlotSet("checklist_missing", []), SlotSet("checklist_answer", None)]


class ActionAskChecklistAnswer(_OnFocus, Action):
    """Ask about the next paper, with yes/no buttons."""

    def name(self) -> str:
        return "action_ask_checklist_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        procedure = self._procedure(tracker)
        index = _index(tracker)
        if procedure is None or index >= len(procedure.required_papers):
            return []
        paper = procedure.required_papers[index]
        # Papers only shown at the counter are brought as originals, not handed in.
        shown = paper.kind is PaperKind.SHOW
        dispatcher.utter_message(
            response="utter_checklist_paper_shown" if shown else "utter_checklist_paper",
            number=index + 1, total=len(procedure.required_papers), paper=shorten(bare_name(paper), 300),
        )
        return []


class ValidateChecklistForm(_OnFocus, FormValidationAction):
    """Record each answer and move to the next paper; the form ends after the last one."""

    def name(self) -> str:
        return "validate_checklist_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        procedure = self._procedure(tracker)
        if procedure is None or _index(tracker) >= len(procedure.required_papers):
            return []
        return domain_slots

    def validate_checklist_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        procedure = self._procedure(tracker)
        index = _index(tracker)
        if value not in ("co", "chua") or procedure is None or index >= len(procedure.required_papers):
            return {"checklist_answer": None}  # not an answer (e.g. the reset at the start)
        missing = list(tracker.get_slot("checklist_missing") or [])
        if value == "chua":
            missing.append(shorten(bare_name(procedure.required_papers[index]), 150))
        # Clearing the answer makes the form ask again, about the next paper.
        return {"checklist_answer": None, "checklist_index": index + 1, "checklist_missing": missing}


class ActionChecklistSummary(_OnFocus, Action):
    """What is still missing, and which procedure issues it when the catalogue has one."""

    def name(self) -> str:
        return "action_checklist_summary"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        procedure = self._procedure(tracker)
        if procedure is None:
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return []
        if not procedure.required_papers:
            if procedure.url:
                dispatcher.utter_message(response="utter_checklist_no_papers", procedure=procedure.name,
                                         url=procedure.url)
            else:
                dispatcher.utter_message(response="utter_checklist_no_papers_no_page", procedure=procedure.name)
            return []
        missing = tracker.get_slot("checklist_missing") or []
        if not missing:
            dispatcher.utter_message(response="utter_checklist_complete", procedure=procedure.name)
            return []
        dispatcher.utter_message(response="utter_checklist_missing", count=len(missing),
                                 papers=missing_papers_text([(name, self._issuer(name, procedure))
                                                             for name in missing]))
        return []

    def _issuer(self, paper: str, procedure: Procedure) -> Procedure | None:
        """The procedure that issues ``paper``, when the catalogue clearly has one (not this one)."""
        source = self._guide().find(paper, k=1)
        if source.confident and source.best is not None and source.best.code != procedure.code:
            return source.best
        return None
