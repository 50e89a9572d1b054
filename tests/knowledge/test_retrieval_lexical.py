"""Lexical retrieval over the real catalogue: no model needed."""

from __future__ import annotations

import pytest

from knowledge.retrieval import Retriever

CCCD_REISSUE = {"1.014064", "1.000757", "2.001194"}


def test_lexical_mode_needs_no_model(lexical_retriever: Retriever) -> None:
    assert lexical_retriever.mode == "lexical"
    assert lexical_retriever.encoder is None


@pytest.mark.parametrize(
    "question",
    ["dang ky khai sinh cho con", "Tôi muốn làm giấy khai sinh cho con mới sinh"],
)
def test_birth_registration_first(lexical_retriever: Retriever, question: str) -> None:
    result = lexical_retriever.search(question)
    assert result.hits[0].code == "1.001193"
    assert result.confident


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("lam lai cccd bi mat", CCCD_REISSUE),
        ("mất căn cước làm lại ở đâu", CCCD_REISSUE),
        ("bằng lái xe hết hạn thì đổi thế nào", {"3.000347"}),
        ("xin lý lịch tư pháp để đi làm", {"3.000333", "3.000330"}),
        ("muon nhap ho khau cho con", {"1.004222"}),
        ("rut bhxh mot lan", {"1.001613"}),
    ],
)
def test_colloquial_questions_find_the_procedure(
    lexical_retriever: Retriever, question: str, expected: set[str]
) -> None:
    codes = [hit.code for hit in lexical_retriever.search(question, k=3).hits]
    assert expected & set(codes), codes


def test_hits_are_ranked_and_scored(lexical_retriever: Retriever) -> None:
    hits = lexical_retriever.search("đăng ký kết hôn", k=5).hits
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert 0.0 <= hits[-1].score <= hits[0].score <= 1.0
    assert hits[0].name.lower().endswith("đăng ký kết hôn")


@pytest.mark.parametrize("question", ["xin chào", "tôi muốn hỏi ạ", "   "])
def test_question_words_alone_find_nothing(lexical_retriever: Retriever, question: str) -> None:
    result = lexical_retriever.search(question)
    assert result.hits == [] and not result.confident


@pytest.mark.parametrize("question", ["qwerty zxcvb asdfgh", "công thức nấu phở bò ngon", "bạn tên là gì"])
def test_unrelated_questions_are_not_confident(lexical_retriever: Retriever, question: str) -> None:
    assert not lexical_retriever.search(question).confident
