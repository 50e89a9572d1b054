"""Whole replies to questions: the asked fact first, honest when unsure (lexical retriever)."""

from __future__ import annotations

import re

import pytest

from bot.replies.answer import CLARIFY, MAX_CHARS, NOT_IN_CATALOGUE, render
from knowledge.answer import Answer, Answerer, Aspect
from knowledge.catalogue.overlay import ProvincialOverlay


@pytest.fixture(scope="module")
def overlay() -> ProvincialOverlay:
    return ProvincialOverlay.for_province("lang-son")


def test_the_asked_fee_comes_first_with_the_procedure_and_its_code(answerer: Answerer, catalogue, overlay) -> None:
    procedure = catalogue["1.004222"]  # đăng ký thường trú: 10.000 đ online, 20.000 đ at the desk
    reply = render(answerer.answer("lệ phí đăng ký thường trú bao nhiêu", focus=procedure), overlay)
    first_lines = reply.text.split("\n")[:2]
    assert procedure.code in first_lines[0]
    assert "10.000 đồng" in first_lines[1] and "20.000 đồng" in first_lines[1]
    assert "Giấy tờ" not in reply.text  # the card is not repeated
    titles = [b["title"] for b in reply.buttons]
    assert "Lệ phí" not in titles and "Giấy tờ" in titles and "Xem đủ thông tin" in titles


def test_two_aspects_in_one_question_get_both(answerer: Answerer, catalogue, overlay) -> None:
    procedure = catalogue["1.004222"]
    answer = answerer.answer("hồ sơ và thời hạn đăng ký thường trú", focus=procedure)
    assert answer.aspects == (Aspect.PAPERS, Aspect.TIME)
    reply = render(answer, overlay)
    assert "Giấy tờ" in reply.text and "7 ngày làm việc" in reply.text
    assert len(reply.text) <= MAX_CHARS


def test_a_bare_follow_up_stays_on_the_procedure_in_focus(answerer: Answerer, catalogue) -> None:
    procedure = catalogue["1.001193"]
    answer = answerer.answer("thế nộp ở đâu?", focus=procedure)
    assert answer.procedure == procedure and answer.aspects == (Aspect.WHERE,)


def test_the_intent_names_the_aspect_when_the_words_do_not(answerer: Answerer, catalogue) -> None:
    procedure = catalogue["1.001193"]
    answer = answerer.answer("", focus=procedure, asked=(Aspect.LEGAL,))
    assert answer.aspects == (Aspect.LEGAL,)


def test_a_passage_question_quotes_the_procedures_own_sentence(answerer: Answerer, catalogue, overlay) -> None:
    procedure = catalogue["1.000757"]
    answer = answerer.answer("người dưới 14 tuổi có được cấp lại không", focus=procedure)
    reply = render(answer, overlay)
    quotes = re.findall(r"«([^»]+)»", reply.text)
    assert quotes and all("14 tuổi" in q for q in quotes)


def test_a_question_the_catalogue_does_not_answer_is_said_so(answerer: Answerer, catalogue, overlay) -> None:
    procedure = catalogue["1.000757"]
    reply = render(answerer.answer("có được dắt chó vào phòng chờ không", focus=procedure), overlay)
    assert NOT_IN_CATALOGUE in reply.text
    assert any(b["payload"] == "/request_human" for b in reply.buttons)


def test_unsure_means_a_choice_with_the_asked_fact_for_each(overlay, catalogue) -> None:
    candidates = (catalogue["1.004222"], catalogue["1.001193"])
    answer = Answer("lệ phí bao nhiêu", (Aspect.FEE,), False, candidates=candidates)
    reply = render(answer, overlay)
    assert reply.text.startswith(CLARIFY)
    for procedure in candidates:
        assert procedure.code in reply.text
    assert "lệ phí: trực tuyến 10.000 đồng" in reply.text.lower()
    assert [b["payload"] for b in reply.buttons] == [
        '/ask_procedure{"procedure_code": "1.004222"}', '/ask_procedure{"procedure_code": "1.001193"}']


def test_every_aspect_of_every_procedure_fits_one_bubble(answerer: Answerer, procedures, overlay) -> None:
    both = tuple(Aspect)
    for procedure in procedures:
        answer = Answer("", both, False, procedure=procedure)
        assert len(render(answer, overlay).text) <= MAX_CHARS
        for aspect in Aspect:
            assert len(render(Answer("", (aspect,), False, procedure=procedure), overlay).text) <= MAX_CHARS
