"""Reading what a question asks: aspects from cue phrases, with or without diacritics."""

from __future__ import annotations

import pytest

from knowledge.answer import Aspect, default_reader
from nlu.text import fold

A = Aspect


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        ("Lệ phí cấp lại căn cước bao nhiêu?", (A.FEE,)),
        ("Cơ quan nào cấp giấy phép khai thác thủy sản?", (A.AGENCY,)),
        ("hồ sơ và lệ phí đăng ký hộ kinh doanh", (A.PAPERS, A.FEE)),
        ("Thời hạn giải quyết thủ tục cấp thẻ đăng kiểm viên tàu cá?", (A.TIME,)),
        ("thời hạn giải quyết hồ sơ đăng ký thường trú", (A.TIME,)),  # "hồ sơ" is not the papers
        ("nộp hồ sơ đăng ký tạm trú ở đâu", (A.WHERE,)),
        ("Đối tượng nào được cấp thẻ Căn cước?", (A.WHO,)),
        ("thẻ căn cước có thời hạn sử dụng bao lâu", (A.RESULT,)),  # validity, not processing time
        ("điều kiện cấp giấy phép kinh doanh rượu", (A.CONDITIONS,)),
        ("yêu cầu cấp lại bản sao trích lục khai sinh", ()),  # a request, not a condition
        ("trình tự đăng ký khai tử", (A.STEPS,)),
        ("căn cứ pháp lý của thủ tục đăng ký kết hôn", (A.LEGAL,)),
        ("đăng ký thường trú nộp online được không", (A.ONLINE,)),
        ("miễn giảm học phí cho học sinh", ()),  # "học phí" is the subject, not a fee question
        ("tôi muốn đăng ký kết hôn với người nước ngoài", ()),
    ],
)
def test_aspects_are_read_from_the_question(question: str, aspects: tuple[Aspect, ...]) -> None:
    reader = default_reader()
    assert reader.read(question).aspects == aspects
    assert reader.read(fold(question)).aspects == aspects  # typed without diacritics


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("Trường hợp nào được miễn lệ phí đăng ký khai sinh?", True),
        ("Người nước ngoài có được đăng ký thường trú không?", True),
        ("cấp lại căn cước có phải chụp ảnh lại không", True),
        ("lệ phí đăng ký khai sinh bao nhiêu", False),
        ("đăng ký kết hôn", False),
    ],
)
def test_passage_questions_are_recognised(question: str, passage: bool) -> None:
    assert default_reader().read(question).passage is passage
    assert default_reader().read(fold(question)).passage is passage


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("thế lệ phí bao nhiêu?", False),
        ("nộp ở đâu", False),
        ("co quan nao cap", False),
        ("lệ phí cấp lại căn cước", True),
        ("đăng ký khai tử", True),
    ],
)
def test_a_bare_follow_up_names_no_procedure(message: str, topic: bool) -> None:
    assert default_reader().names_a_topic(message) is topic
