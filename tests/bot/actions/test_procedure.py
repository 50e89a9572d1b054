"""bot/actions/procedure.py with rasa-sdk trackers over the lexical retriever: answers, the focus
they keep, complaints pointed to their own procedures, a failure answered, and going back."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.procedure import ActionAnswerDetail, ActionAnswerProcedure, ActionGoBack
from bot.replies.answer import choose_payload
from tests.bot.actions.chat import said, tracker

BIRTH, RESIDENCE = "1.001193", "1.004222"  # đăng ký khai sinh, đăng ký thường trú


@pytest.fixture()
def answer(guide, answerer, overlay) -> ActionAnswerProcedure:
    return ActionAnswerProcedure(lambda: guide, lambda: answerer, lambda: overlay)


def run(action, **message) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker(**message), {})
    return said(dispatcher), events


def test_a_tapped_procedure_is_answered_with_its_card_and_put_in_focus(answer, catalogue) -> None:
    [card], events = run(answer, text='/ask_procedure{"procedure_code":"%s"}' % BIRTH,
                         entities=[{"entity": "procedure_code", "value": BIRTH}],
                         slots={"procedure_code": RESIDENCE})
    assert card.response is None and card.says(BIRTH) and card.says(catalogue[BIRTH].name)
    assert events == [SlotSet("procedure_code", BIRTH), SlotSet("previous_procedure_code", RESIDENCE)]


def test_a_question_names_its_procedure_and_keeps_it_in_focus(answer, catalogue) -> None:
    [reply], events = run(answer, text="dang ky khai sinh cho con")
    assert reply.says(BIRTH) and reply.says(catalogue[BIRTH].name)
    assert events == [SlotSet("procedure_code", BIRTH)]


def test_an_unsure_match_is_offered_as_a_choice_and_nothing_is_put_in_focus(answer) -> None:
    # The lexical retriever is not sure between đăng ký thường trú and its neighbours.
    [reply], events = run(answer, text="lệ phí đăng ký thường trú bao nhiêu", intent="ask_fee")
    assert reply.says(RESIDENCE) and reply.says("10.000 đồng")  # the fact asked, for each candidate
    assert choose_payload(RESIDENCE) in [b["payload"] for b in reply.buttons[0]]
    assert events == []


@pytest.mark.parametrize("text", ["/ask_fee", "thế lệ phí bao nhiêu?"])
def test_a_follow_up_answers_about_the_procedure_in_focus(guide, answerer, overlay, text) -> None:
    detail = ActionAnswerDetail(lambda: guide, lambda: answerer, lambda: overlay)
    [reply], events = run(detail, text=text, intent="ask_fee", slots={"procedure_code": RESIDENCE})
    assert detail.name() == "action_answer_detail"
    assert reply.says("Lệ phí: trực tuyến 10.000 đồng") and reply.says(RESIDENCE)
    assert not reply.says("Giấy tờ cần chuẩn bị")  # the fee alone, not the whole card
    assert events == [SlotSet("procedure_code", RESIDENCE)]  # the same procedure: no "previous"


def test_an_unsure_intent_is_not_taken_for_the_aspect_asked(answer) -> None:
    # The NLU is unsure (nlu_fallback); its runner-up, ask_fee, is a guess: the catalogue says
    # nothing about dogs, and the bot says so instead of answering the fee.
    unsure = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_fee", "confidence": 0.21}]
    [reply], events = run(answer, text="có được dắt chó vào phòng chờ không", intent=unsure,
                          slots={"procedure_code": RESIDENCE})
    assert reply.says("không nói rõ") and not reply.says("10.000 đồng")
    assert {"title": "Gặp cán bộ", "payload": "/request_human"} in reply.buttons[0]


def test_a_complaint_gets_the_law_and_the_complaint_procedures_the_catalogue_clearly_has(answer) -> None:
    [reply], events = run(answer, text="tôi muốn khiếu nại về trợ giúp pháp lý")
    assert reply.says("Luật Khiếu nại") and not reply.says("PA-")
    [buttons] = reply.buttons
    assert buttons and all("khiếu nại" in b["title"].lower() for b in buttons)
    assert choose_payload("2.000592") in [b["payload"] for b in buttons]  # khiếu nại về trợ giúp pháp lý
    assert events == []  # nothing filed, nothing put in focus


def test_a_complaint_the_catalogue_does_not_clearly_match_gets_no_procedure(answer) -> None:
    [reply], events = run(answer, text="tôi muốn khiếu nại quyết định xử phạt của xã")
    assert reply.says("Luật Khiếu nại") and reply.buttons == [[]]
    assert events == []


def test_a_failure_is_answered_with_a_way_to_a_person(guide, overlay) -> None:
    def missing_index():
        raise FileNotFoundError("retrieval index")

    failing = ActionAnswerProcedure(lambda: guide, missing_index, lambda: overlay)
    [reply], events = run(failing, text="đăng ký kết hôn cần gì")
    assert reply.response == "utter_answer_failed" and reply.says("gặp cán bộ")
    assert all({"title": "Gặp cán bộ", "payload": "/request_human"} in b for b in reply.buttons)
    assert events == []


@pytest.fixture()
def go_back(guide, overlay) -> ActionGoBack:
    return ActionGoBack(lambda: guide, lambda: overlay)


def test_going_back_shows_the_previous_procedure_and_swaps_the_focus(go_back, catalogue) -> None:
    [heading, card], events = run(go_back, text="quay lại", intent="go_back",
                                  slots={"procedure_code": RESIDENCE, "previous_procedure_code": BIRTH})
    assert heading.response == "utter_back_to_previous" and heading.says("Quay lại thủ tục")
    assert card.says(BIRTH) and card.says(catalogue[BIRTH].name)
    assert events == [SlotSet("procedure_code", BIRTH), SlotSet("previous_procedure_code", RESIDENCE)]


def test_going_back_with_nothing_before_asks_what_the_citizen_needs(go_back) -> None:
    [reply], events = run(go_back, text="quay lại", intent="go_back", slots={"procedure_code": BIRTH})
    assert reply.response == "utter_no_previous_procedure" and reply.says("thủ tục gì")
    assert events == []
