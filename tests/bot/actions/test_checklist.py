"""bot/actions/checklist.py with rasa-sdk trackers: the form walks the papers of the procedure in
focus one by one, then says what is missing and which procedure issues it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.checklist import (
    ActionAskChecklistAnswer,
    ActionChecklistSummary,
    ActionStartChecklist,
    ValidateChecklistForm,
)
from bot.replies.papers import bare_name
from knowledge.guide import ProcedureGuide
from knowledge.procedure import PaperKind
from tests.bot.actions.chat import DOMAIN, said, tracker

MARRIAGE = "1.000894"  # đăng ký kết hôn: two papers to show at the counter, two to hand in
MARITAL_STATUS = "1.004873"  # cấp Giấy xác nhận tình trạng hôn nhân
YES_NO = [{"title": "Có rồi", "payload": "/affirm"}, {"title": "Chưa có", "payload": "/deny"}]


def run(action, slots: dict[str, Any]) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker("kiểm tra giấy tờ", "start_checklist", slots), {})
    return said(dispatcher, slots), events


async def answer(form: ValidateChecklistForm, slots: dict[str, Any], value: str) -> tuple[list, list]:
    """The form's validation after Rasa mapped the citizen's «có» / «chưa» to the answer slot."""
    dispatcher = CollectingDispatcher()
    answered = tracker("chưa" if value == "chua" else "có", "deny" if value == "chua" else "affirm",
                       {**slots, "checklist_answer": value},
                       events=[{"event": "user", "text": value},
                               {"event": "slot", "name": "checklist_answer", "value": value}],
                       active_loop={"name": "checklist_form"})
    events = await form.run(dispatcher, answered, DOMAIN)
    return said(dispatcher), events


def apply(slots: dict[str, Any], events: list[dict[str, Any]]) -> None:
    slots.update({e["name"]: e["value"] for e in events if e["event"] == "slot"})


async def test_the_checklist_asks_paper_by_paper_then_lists_what_is_missing(guide, catalogue) -> None:
    papers = catalogue[MARRIAGE].required_papers
    assert {p.kind for p in papers} == {PaperKind.SHOW, PaperKind.SUBMIT}
    slots: dict[str, Any] = {"procedure_code": MARRIAGE, "checklist_index": 3, "checklist_missing": ["cũ"]}
    [opening], events = run(ActionStartChecklist(lambda: guide), slots)
    assert opening.response == "utter_checklist_start"
    assert opening.says(f"{len(papers)} giấy tờ") and opening.says(catalogue[MARRIAGE].name)
    assert events == [SlotSet("checklist_index", 0), SlotSet("checklist_missing", []),
                      SlotSet("checklist_answer", None)]
    apply(slots, events)

    ask, form, lacking = ActionAskChecklistAnswer(lambda: guide), ValidateChecklistForm(lambda: guide), []
    for number, paper in enumerate(papers, start=1):
        [question], events = run(ask, slots)
        assert events == []
        assert question.says(f"Giấy {number}/{len(papers)}: {bare_name(paper)[:100]}")
        assert question.says("mang bản chính") is (paper.kind is PaperKind.SHOW)
        assert all(buttons == YES_NO for buttons in question.buttons)
        value = "chua" if number % 2 else "co"
        if value == "chua":
            lacking.append(bare_name(paper)[:100])
        messages, events = await answer(form, slots, value)
        assert messages == []
        apply(slots, events)
        assert slots["checklist_index"] == number and slots["checklist_answer"] is None
    assert SlotSet("requested_slot", None) in events  # after the last paper the form ends
    assert run(ask, slots) == ([], [])

    [summary], events = run(ActionChecklistSummary(lambda: guide), slots)
    assert summary.response == "utter_checklist_missing" and events == []
    assert summary.says(f"còn thiếu {len(lacking)} giấy tờ") and summary.says("nộp online")
    assert all(summary.says(name) for name in lacking) and len(lacking) == 2


async def test_something_else_than_yes_or_no_moves_nothing(guide) -> None:
    slots = {"procedure_code": MARRIAGE, "checklist_index": 1, "checklist_missing": []}
    _, events = await answer(ValidateChecklistForm(lambda: guide), slots, "có lẽ")
    apply(slots, events)
    assert slots == {"procedure_code": MARRIAGE, "checklist_index": 1, "checklist_missing": [],
                     "checklist_answer": None}


def test_a_missing_paper_another_procedure_issues_names_that_procedure(guide, catalogue) -> None:
    slots = {"procedure_code": "2.000806", "checklist_missing": ["Giấy xác nhận tình trạng hôn nhân"]}
    [summary], _ = run(ActionChecklistSummary(lambda: guide), slots)
    assert summary.says("còn thiếu 1 giấy tờ")
    assert summary.says(f"→ xin qua thủ tục «{catalogue[MARITAL_STATUS].name}» (mã {MARITAL_STATUS})")


def test_nothing_missing_gives_the_next_step(guide, catalogue) -> None:
    [done], _ = run(ActionChecklistSummary(lambda: guide), {"procedure_code": MARRIAGE, "checklist_missing": []})
    assert done.response == "utter_checklist_complete"
    assert done.says(catalogue[MARRIAGE].name) and done.says("nộp online") and done.says("nộp ở đâu")


def test_without_a_procedure_in_focus_the_bot_asks_which(guide) -> None:
    assert run(ActionStartChecklist(lambda: guide), {})[0] == []
    [question], _ = run(ActionChecklistSummary(lambda: guide), {})
    assert question.response == "utter_ask_which_procedure"


@pytest.mark.parametrize("with_page", [True, False])
def test_a_procedure_without_listed_papers_points_to_its_page_or_an_officer(
    procedures, lexical_retriever, with_page: bool
) -> None:
    bare = next(p for p in procedures if not p.required_papers and p.url)
    page = bare.url
    if not with_page:  # none in the shipped catalogue, but an update may bring one
        bare = dataclasses.replace(bare, url="")
    guide = ProcedureGuide([bare], lexical_retriever)
    assert run(ActionStartChecklist(lambda: guide), {"procedure_code": bare.code})[0] == []
    [reply], _ = run(ActionChecklistSummary(lambda: guide), {"procedure_code": bare.code})
    assert reply.says(f"chưa ghi rõ giấy tờ cho «{bare.name}»") and reply.says("gặp cán bộ")
    assert reply.says(page) is with_page
