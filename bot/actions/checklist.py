"""Paperwork checklist (Rasa form `checklist_form`): paper by paper, the citizen says whether they
have it; at the end the bot lists what is missing and where to get it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.services import procedure_guide
from bot.replies.papers import bare_name
from bot.replies.text import shorten
from knowledge.procedure import Paper, PaperKind, Procedure

YES_NO = [{"title": "Có rồi", "payload": "/affirm"}, {"title": "Chưa có", "payload": "/deny"}]


def _procedure(tracker: Tracker) -> Procedure | None:
    code = tracker.get_slot("procedure_code")
    return procedure_guide().get(code) if code else None


def _shown(paper: Paper) -> str:
    """Papers only shown at the counter are brought as originals, not handed in."""
    return " (mang bản chính để xuất trình)" if paper.kind is PaperKind.SHOW else ""


def _index(tracker: Tracker) -> int:
    return int(tracker.get_slot("checklist_index") or 0)


class ActionStartChecklist(Action):
    """Reset the checklist for the procedure in focus."""

    def name(self) -> str:
        return "action_start_checklist"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        procedure = _procedure(tracker)
        if procedure is not None and procedure.required_papers:
            dispatcher.utter_message(
                text=f"Cùng đối chiếu {len(procedure.required_papers)} giấy tờ của «{procedure.name}». "
                "Trả lời «có» hoặc «chưa» cho từng giấy."
            )
        return [SlotSet("checklist_index", 0), SlotSet("checklist_missing", []), SlotSet("checklist_answer", None)]


class ActionAskChecklistAnswer(Action):
    """Ask about the next paper, with yes/no buttons."""

    def name(self) -> str:
        return "action_ask_checklist_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        procedure = _procedure(tracker)
        index = _index(tracker)
        if procedure is None or index >= len(procedure.required_papers):
            return []
        paper = procedure.required_papers[index]
        dispatcher.utter_message(
            text=f"Giấy {index + 1}/{len(procedure.required_papers)}: {shorten(bare_name(paper), 300)}{_shown(paper)}\n"
            "Bạn đã có chưa?",
            buttons=YES_NO,
        )
        return []


class ValidateChecklistForm(FormValidationAction):
    """Record each answer and move to the next paper; the form ends after the last one."""

    def name(self) -> str:
        return "validate_checklist_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        procedure = _procedure(tracker)
        if procedure is None or _index(tracker) >= len(procedure.required_papers):
            return []
        return domain_slots

    def validate_checklist_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        procedure = _procedure(tracker)
        index = _index(tracker)
        if value not in ("co", "chua") or procedure is None or index >= len(procedure.required_papers):
            return {"checklist_answer": None}  # not an answer (e.g. the reset at the start)
        missing = list(tracker.get_slot("checklist_missing") or [])
        if value == "chua":
            missing.append(shorten(bare_name(procedure.required_papers[index]), 150))
        # Clearing the answer makes the form ask again, about the next paper.
        return {"checklist_answer": None, "checklist_index": index + 1, "checklist_missing": missing}


class ActionChecklistSummary(Action):
    """What is still missing, and which procedure issues it when the catalogue has one."""

    def name(self) -> str:
        return "action_checklist_summary"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        procedure = _procedure(tracker)
        if procedure is None:
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return []
        if not procedure.required_papers:
            dispatcher.utter_message(text=f"Danh mục chưa ghi rõ giấy tờ cho «{procedure.name}». Xem: {procedure.url}")
            return []
        missing = tracker.get_slot("checklist_missing") or []
        if not missing:
            dispatcher.utter_message(
                text=f"Bạn đã đủ giấy tờ cho «{procedure.name}». Bước tiếp theo: nộp hồ sơ — "
                "nhắn «nộp online» để xem cách nộp trực tuyến, hoặc «nộp ở đâu»."
            )
            return []
        lines = [f"Bạn còn thiếu {len(missing)} giấy tờ:"]
        guide = procedure_guide()
        for name in missing:
            source = guide.find(name, k=1)
            where = ""
            if source.confident and source.best is not None and source.best.code != procedure.code:
                where = f"\n   → xin qua thủ tục «{source.best.name}» (mã {source.best.code})"
            lines.append(f"• {name}{where}")
        lines.append("Khi đủ giấy tờ, nhắn «nộp online» hoặc «nộp ở đâu» để biết bước tiếp theo.")
        dispatcher.utter_message(text="\n".join(lines))
        return []
