"""The conversations of the dialogue issue, through Rasa's REST channel with the real servers.

Each test is one citizen (its own sender id); replies are checked against the catalogue and the
petitions database, never against canned strings of our own actions alone.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from bot.replies.papers import bare_name
from tests.support.system import RunningSystem

pytestmark = pytest.mark.integration


class Citizen:
    def __init__(self, system: RunningSystem) -> None:
        self.system = system
        self.sender = f"test-{uuid.uuid4().hex[:10]}"

    def say(self, text: str) -> list[dict]:
        response = httpx.post(
            self.system.rest_webhook, json={"sender": self.sender, "message": text}, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def ask(self, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(text))


@pytest.fixture()
def citizen(running_system: RunningSystem) -> Citizen:
    return Citizen(running_system)


def test_follow_up_questions_stay_on_the_procedure_in_focus(citizen: Citizen) -> None:
    assert "1.001193" in citizen.ask("dang ky khai sinh cho con")
    fee = citizen.ask("thế lệ phí bao nhiêu?")
    assert "khai sinh" in fee and "miễn phí" in fee.lower()
    where = citizen.ask("nộp ở đâu")
    assert "Nơi nộp" in where and "xã" in where
    online = citizen.ask("nộp online được không")
    assert "VNeID" in online and "dichvucong" in online


def test_choosing_a_procedure_by_button_then_the_paperwork_checklist(citizen: Citizen, catalogue) -> None:
    procedure = next(p for p in catalogue.values() if 2 <= len(p.required_papers) <= 4 and p.code.startswith("1."))
    card = citizen.ask('/ask_procedure{"procedure_code":"%s"}' % procedure.code)
    assert procedure.code in card
    reply = citizen.ask("kiểm tra giấy tờ")
    lacking = []
    for number, paper in enumerate(procedure.required_papers, start=1):
        assert f"Giấy {number}/{len(procedure.required_papers)}" in reply, reply
        answer = "chưa" if number % 2 else "có"
        if answer == "chưa":
            lacking.append(bare_name(paper)[:100])  # as listed: without the source's bullets
        reply = citizen.ask(answer)
    assert f"còn thiếu {len(lacking)} giấy tờ" in reply
    for name in lacking:
        assert name in reply


def test_a_petition_is_stored_before_the_tracking_code_is_given(citizen: Citizen, running_system) -> None:
    first = citizen.ask("Đèn đường ở thôn Nà Pàn hỏng cả tháng nay, tối rất nguy hiểm")
    assert "ở đâu" in first  # the opening message already said what happened
    assert "số điện thoại" in citizen.ask("xã Chi Lăng")
    receipt = citizen.ask("không")
    code = re.search(r"PA-[0-9A-Z]{6}", receipt)
    assert code, receipt
    status = citizen.ask(f"tra cứu {code.group(0)}")
    assert code.group(0) in status and "Hạn trả lời" in status


def test_a_complaint_is_not_filed_as_a_petition(citizen: Citizen) -> None:
    reply = citizen.ask("tôi muốn khiếu nại quyết định xử phạt của xã")
    if "kể ngắn gọn" in reply:  # the bot asked for the story first
        reply = citizen.ask("tôi khiếu nại quyết định xử phạt hành chính của UBND xã")
    assert "Luật Khiếu nại" in reply
    assert "PA-" not in reply
    # A complaint the catalogue clearly has a procedure for: its complaint procedures, and only those.
    offered = citizen.say("làm sao để khiếu nại về trợ giúp pháp lý")
    buttons = [b["title"] for m in offered for b in m.get("buttons", [])]
    assert "Thủ tục giải quyết khiếu nại về trợ giúp pháp lý" in buttons, offered
    assert all("khiếu nại" in title.lower() for title in buttons)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("xin chào", "Một Cửa"),
        ("cảm ơn bạn", "Không có gì"),
        ("giá vàng hôm nay", "ngoài phạm vi"),
        ("bot ngu quá", "gặp cán bộ"),
        ("gặp cán bộ", "hàng chờ gặp cán bộ"),
        ("tra cứu phản ánh", "PA-XXXXXX"),
    ],
)
def test_social_and_out_of_scope_turns(citizen: Citizen, message: str, expected: str) -> None:
    assert expected in citizen.ask(message)


@pytest.mark.parametrize("message", ["🙏🙏🙏", "?!", "a" * 5000, "<script>alert(1)</script>", "' OR 1=1 --"])
def test_odd_input_gets_an_answer_with_a_next_step(citizen: Citizen, message: str) -> None:
    messages = citizen.say(message)
    assert messages, "the bot must always answer"
    assert all("Traceback" not in m.get("text", "") for m in messages)


def test_switching_topic_and_going_back(citizen: Citizen) -> None:
    assert "1.001193" in citizen.ask("đăng ký khai sinh")
    _focus(citizen, "1.001193")  # the citizen taps it if the bot offered a choice
    marriage = citizen.say("đăng ký kết hôn cần giấy tờ gì")
    assert "kết hôn" in "\n".join(m.get("text", "") for m in marriage).lower()
    choices = [b["payload"] for m in marriage for b in m.get("buttons", []) if "1.000894" in b["payload"]]
    if choices:  # unsure between the plain and the foreign-element procedure: the citizen taps one
        assert "1.000894" in citizen.ask(choices[0])
    back = citizen.ask("quay lại thủ tục lúc nãy")
    assert "1.001193" in back
    assert "khai sinh" in citizen.ask("thế lệ phí bao nhiêu?")


def test_a_form_can_be_stopped(citizen: Citizen) -> None:
    assert "kể ngắn gọn" in citizen.ask("tôi muốn phản ánh")
    assert "Đã dừng" in citizen.ask("thôi không gửi nữa")
    assert "1.001193" in citizen.ask("dang ky khai sinh cho con")  # the bot answers normally again


def _focus(citizen: Citizen, code: str) -> None:
    """Choose a procedure by its button, as a citizen taps one."""
    assert code in citizen.ask('/ask_procedure{"procedure_code":"%s"}' % code)


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("cần những giấy tờ gì", lambda p: next(x.name[:30] for x in p.papers if "tờ khai" in x.name.lower())),
        ("lệ phí bao nhiêu", lambda p: "10.000 đồng"),
        ("mất mấy ngày thì xong", lambda p: "7 ngày làm việc"),
        ("nộp hồ sơ ở đâu", lambda p: "Nơi nộp"),
        ("cơ quan nào giải quyết", lambda p: p.competent_agency[:30]),
        ("ai được làm thủ tục này", lambda p: p.applicants[:30]),
        ("có điều kiện gì không", lambda p: " ".join(p.conditions.split())[:30] or "không có yêu cầu"),
        ("các bước thực hiện thế nào", lambda p: " ".join(p.steps[0].split())[:30]),
        ("kết quả là gì", lambda p: " ".join(p.result.split())[:30]),
        ("căn cứ pháp lý là văn bản nào", lambda p: p.legal_basis[0][:30]),
        ("nộp online được không", lambda p: p.url),
    ],
)
def test_each_aspect_is_answered_from_the_catalogue(citizen: Citizen, catalogue, question, fact) -> None:
    procedure = catalogue["1.004222"]  # đăng ký thường trú
    _focus(citizen, procedure.code)
    reply = citizen.ask(question)
    assert procedure.code in reply
    assert fact(procedure) in reply, reply


def test_a_procedure_and_two_aspects_in_one_message(citizen: Citizen, catalogue) -> None:
    procedure = catalogue["1.004222"]
    reply = citizen.ask("hồ sơ và lệ phí đăng ký thường trú")
    assert procedure.code in reply  # as the answer, or among the choices with the facts asked
    assert "10.000 đồng" in reply and "20.000 đồng" in reply
    assert any(paper.name[:30] in reply for paper in procedure.papers)


def test_the_same_question_without_diacritics(citizen: Citizen) -> None:
    reply = citizen.ask("le phi dang ky thuong tru bao nhieu")
    assert "1.004222" in reply and "10.000 đồng" in reply


def test_a_passage_question_quotes_the_procedure(citizen: Citizen, catalogue) -> None:
    procedure = catalogue["1.004222"]
    _focus(citizen, procedure.code)
    reply = citizen.ask("người Việt Nam định cư ở nước ngoài có được đăng ký thường trú không")
    quotes = re.findall(r"«([^»]+)»", reply)
    assert quotes, reply
    sources = (procedure.papers_text, procedure.conditions, procedure.applicants, *procedure.steps,
               *(paper.text for paper in procedure.papers))
    text = " ".join(" ".join(part.split()) for part in sources)
    assert all(quote.rstrip("…")[:60] in text for quote in quotes)
    assert any("định cư ở nước ngoài" in quote for quote in quotes)


def test_a_question_the_catalogue_cannot_answer_is_not_guessed(citizen: Citizen) -> None:
    _focus(citizen, "1.004222")
    reply = citizen.say("có được dắt chó vào phòng chờ không")
    text = "\n".join(m.get("text", "") for m in reply)
    assert "không nói rõ" in text
    assert "/request_human" in [b["payload"] for m in reply for b in m.get("buttons", [])]
