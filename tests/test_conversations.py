"""The conversations of the dialogue issue, through Rasa's REST channel with the real servers.

Each test is one citizen (its own sender id); replies are checked against the catalogue and the
petitions database, never against canned strings of our own actions alone.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

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
    assert "khai sinh" in fee and "Miễn phí" in fee
    where = citizen.ask("nộp ở đâu")
    assert "Nơi nộp" in where and "xã" in where
    online = citizen.ask("nộp online được không")
    assert "VNeID" in online and "dichvucong" in online


def test_choosing_a_procedure_by_button_then_the_paperwork_checklist(citizen: Citizen, catalogue) -> None:
    procedure = next(p for p in catalogue.values() if 2 <= len(p.papers) <= 4 and p.code.startswith("1."))
    card = citizen.ask('/ask_procedure{"procedure_code":"%s"}' % procedure.code)
    assert procedure.code in card
    reply = citizen.ask("kiểm tra giấy tờ")
    lacking = []
    for number, paper in enumerate(procedure.papers, start=1):
        assert f"Giấy {number}/{len(procedure.papers)}" in reply, reply
        answer = "chưa" if number % 2 else "có"
        if answer == "chưa":
            lacking.append(paper.name)
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
    buttons = [b["title"] for m in citizen.say("tôi muốn khiếu nại quyết định xử phạt của xã") for b in m.get("buttons", [])]
    assert all("khiếu nại" in title.lower() for title in buttons)  # only complaint procedures, if any


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
    marriage = citizen.ask("đăng ký kết hôn cần giấy tờ gì")
    assert "kết hôn" in marriage.lower()
    back = citizen.ask("quay lại thủ tục lúc nãy")
    assert "1.001193" in back
    assert "khai sinh" in citizen.ask("thế lệ phí bao nhiêu?")


def test_a_form_can_be_stopped(citizen: Citizen) -> None:
    assert "kể ngắn gọn" in citizen.ask("tôi muốn phản ánh")
    assert "Đã dừng" in citizen.ask("thôi không gửi nữa")
    assert "1.001193" in citizen.ask("dang ky khai sinh cho con")  # the bot answers normally again
