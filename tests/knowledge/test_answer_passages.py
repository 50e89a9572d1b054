"""Quoting a procedure's own sentences for questions its fields do not answer directly."""

from __future__ import annotations

import pytest

from knowledge.answer import PassageFinder, default_reader
from knowledge.answer.passages import MAX_CHARS, sentences
from knowledge.procedure import Procedure


@pytest.fixture(scope="module")
def finder(procedures: list[Procedure]) -> PassageFinder:
    return PassageFinder(procedures, form_words=default_reader().form_words)


def _by_name(procedures: list[Procedure], start: str) -> Procedure:
    return next(p for p in procedures if p.name.lower().startswith(start.lower()))


def test_sentences_are_short_enough_to_quote(procedures: list[Procedure]) -> None:
    found = [s for p in procedures[:300] for _, s in sentences(p)]
    assert found
    assert all(len(s) <= MAX_CHARS for s in found)


def test_a_question_is_answered_by_the_sentence_that_shares_its_words(procedures, finder) -> None:
    procedure = next(p for p in procedures if p.code == "1.000757")  # cấp lại thẻ căn cước
    passages = finder.find("người dưới 14 tuổi có được cấp lại căn cước không", procedure)
    assert passages
    assert all("14 tuổi" in p.text for p in passages)
    assert all(p.text in " ".join(s for _, s in sentences(procedure)) for p in passages)


def test_text_without_diacritics_finds_the_same_sentence(procedures, finder) -> None:
    procedure = next(p for p in procedures if p.code == "1.000757")
    marked = finder.find("người dưới 14 tuổi có được cấp lại căn cước không", procedure)
    plain = finder.find("nguoi duoi 14 tuoi co duoc cap lai can cuoc khong", procedure)
    assert marked and [p.text for p in plain] == [p.text for p in marked]


def test_a_question_the_text_does_not_answer_gets_no_quote(procedures, finder) -> None:
    procedure = next(p for p in procedures if p.code == "1.000757")
    assert finder.find("có được dắt chó vào phòng chờ không", procedure) == []
