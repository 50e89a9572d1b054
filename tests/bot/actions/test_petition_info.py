"""Who may answer an information request from a chat: the chat that filed the petition, or the
community helper who filed it in assisted mode — nobody else, whatever code they hold. And the
filing receipt: it shows the receipt key once, and the key goes nowhere else."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlmodel import select

from bot.actions.petition import ActionFilePetition, ActionPetitionFeedback, ValidatePetitionForm
from bot.actions.petition_info import ActionAddPetitionInfo
from feedback.auth import OfficerView
from feedback.config import FeedbackConfig
from feedback.db import session_scope
from feedback.lifecycle import Role
from feedback.models import Petition
from feedback.service import FeedbackService
from feedback.web import build_service
from tests.bot.actions.chat import Said, said, tracker
from tests.support.database import migrated_url

ROAD = "Đường thôn Nà Lầy bị sụt lún, nhiều ổ gà lớn, xe máy đi lại rất nguy hiểm."
ADMIN = OfficerView(1, "quantri", "Quản trị", Role.ADMIN, "van-phong-ubnd-tinh")
CITIZEN = {"channel": "telegram", "address": "42"}
STRANGER = {"channel": "telegram", "address": "43"}
LAPTOP = "cookie-of-the-commune-laptop"


@pytest.fixture
def service(tmp_path: Path) -> FeedbackService:
    return build_service(FeedbackConfig(db_url=migrated_url(tmp_path), secret_key="k"))


def file(service: FeedbackService, metadata: dict, sender: str = "citizen-1",
         text: str = ROAD) -> tuple[Said, list]:
    """The petition form's last turn: the action files what the slots hold."""
    dispatcher = CollectingDispatcher()
    slots = {"petition_description": text, "petition_location": "phường Kỳ Lừa",
             "petition_contact": "không"}
    events = ActionFilePetition(lambda: service).run(
        dispatcher, tracker("không", "deny", slots=slots, metadata=metadata, sender_id=sender), {})
    [receipt] = said(dispatcher)
    return receipt, events


def ask_for_info(service: FeedbackService, code: str) -> None:
    with session_scope(service.engine) as s:
        pid = s.exec(select(Petition.id).where(Petition.code == code)).one()
    service.act(ADMIN, pid, "request_info", "Bạn cho biết đoạn đường cụ thể.")


def add(service: FeedbackService, tmp_path: Path, text: str, metadata: dict,
        sender: str = "citizen-1") -> tuple[list[dict], list]:
    dispatcher = CollectingDispatcher()
    events = ActionAddPetitionInfo(lambda: service, lambda: tmp_path).run(
        dispatcher, tracker(text, "add_petition_info", metadata=metadata, sender_id=sender), {})
    return dispatcher.messages, events


def test_the_receipt_shows_the_key_once(service, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    receipt, events = file(service, CITIZEN)
    assert receipt.response == "utter_petition_filed"
    code, key = receipt.values["code"], receipt.values["key"]
    assert len(key) == 9 and key[4] == "-"  # two groups of four, typed from a phone
    assert receipt.says(code) and receipt.says(key) and receipt.says("Mã bí mật")
    assert key not in str(events) and key.replace("-", "") not in str(events)  # not in a slot
    assert key not in caplog.text and key.replace("-", "") not in caplog.text
    ask_for_info(service, code)
    # The key works on the lookup page's path, typed as shown.
    assert service.citizen_add_info(code, "Đoạn gần chợ", receipt_key=key).status == "accepted"


def test_a_second_report_of_the_same_thing_says_so(service) -> None:
    first, _ = file(service, CITIZEN)
    again, _ = file(service, STRANGER, sender="citizen-2",
                    text="Đường thôn Nà Lầy sụt lún, có nhiều ổ gà lớn, đi xe máy rất nguy hiểm!")
    assert again.response == "utter_petition_filed_duplicate"
    assert again.says(first.values["code"]) and again.says(again.values["key"])


def test_only_the_chat_that_filed_may_add(service, tmp_path) -> None:
    receipt, _ = file(service, CITIZEN)
    code = receipt.values["code"]
    ask_for_info(service, code)
    before = service.lookup(code)

    refused, events = add(service, tmp_path, f"Bổ sung {code} đoạn gần chợ", STRANGER, "citizen-2")
    unknown, unknown_events = add(service, tmp_path, "Bổ sung PA-222222 đoạn gần chợ", STRANGER,
                                  "citizen-2")
    assert [m["response"] for m in refused] == ["utter_info_not_yours"] and events == []
    assert (refused, events) == (unknown, unknown_events)  # nothing tells the code exists
    dispatcher = CollectingDispatcher()
    dispatcher.messages.extend(refused)
    [shown] = said(dispatcher)
    for text in shown.texts:  # no detail of the petition, and a next step
        assert code not in text and before.unit_name not in text and "mã bí mật" in text
    assert service.lookup(code) == before  # nothing stored

    added, _ = add(service, tmp_path, f"bo sung {code.lower()} doan gan cho", CITIZEN)
    assert [m["response"] for m in added] == ["utter_info_added"] and added[0]["code"] == code
    assert service.lookup(code).status == "accepted"


def test_the_helper_who_filed_in_assisted_mode_may_add(service, tmp_path) -> None:
    def helper(session: str, helper_id: str = "ma-0a1b2c") -> dict:
        return {"assisted": {"session": session, "helper_id": helper_id,
                             "helper_name": "Nguyễn Văn A", "citizen": "bà Lan"}}

    receipt, _ = file(service, {"channel": "web", "address": LAPTOP, **helper("HT-AAAAAA")},
                      sender="assisted-HT-AAAAAA")
    code = receipt.values["code"]
    ask_for_info(service, code)
    # The next citizen at the same laptop, or another helper there: not theirs.
    for metadata, sender in (({"channel": "web", "address": LAPTOP}, "web-next"),
                             ({"channel": "web", "address": LAPTOP, **helper("HT-BBBBBB", "ma-ffffff")},
                              "assisted-HT-BBBBBB")):
        refused, _ = add(service, tmp_path, f"Bổ sung {code} đoạn gần chợ", metadata, sender)
        assert [m["response"] for m in refused] == ["utter_info_not_yours"]
    assert service.lookup(code).status == "info_requested"
    # The same helper, days later, in a new session from their phone.
    added, _ = add(service, tmp_path, f"Bổ sung {code} đoạn gần chợ",
                   {"channel": "telegram", "address": "555", **helper("HT-CCCCCC")},
                   "assisted-HT-CCCCCC")
    assert [m["response"] for m in added] == ["utter_info_added"]
    assert service.lookup(code).status == "accepted"


@pytest.mark.parametrize(("slot", "value", "response"), [
    ("petition_location", "x", "utter_petition_location_too_short"),
    ("petition_contact", "số của tôi", "utter_petition_phone_invalid"),
])
def test_the_form_says_what_to_fix(slot: str, value: str, response: str) -> None:
    dispatcher = CollectingDispatcher()
    form = ValidatePetitionForm()
    slots = getattr(form, f"validate_{slot}")(value, dispatcher, tracker(value), {})
    assert slots == {slot: None}
    [message] = said(dispatcher)
    assert message.response == response and message.texts


def judge(service: FeedbackService, code: str, intent: str, metadata: dict,
          sender: str = "citizen-1") -> list[dict]:
    dispatcher = CollectingDispatcher()
    ActionPetitionFeedback(lambda: service).run(
        dispatcher, tracker("", intent, slots={"tracking_code": code}, metadata=metadata,
                            sender_id=sender), {})
    return dispatcher.messages


def test_only_the_filing_chat_closes_or_reopens_the_petition(service) -> None:
    receipt, _ = file(service, CITIZEN)
    code = receipt.values["code"]
    with session_scope(service.engine) as s:
        pid = s.exec(select(Petition.id).where(Petition.code == code)).one()
    service.act(ADMIN, pid, "accept")
    service.act(ADMIN, pid, "answer", "Xã đã cho vá các ổ gà ngày 10/3.")
    for intent in ("petition_satisfied", "petition_unsatisfied"):
        [refusal] = judge(service, code, intent, STRANGER, sender="citizen-2")
        assert "Chỉ cuộc trò chuyện đã gửi phản ánh" in refusal["text"]
    assert service.lookup(code).status == "answered"  # the stranger changed nothing
    [thanks] = judge(service, code, "petition_satisfied", CITIZEN)
    assert thanks["response"] == "utter_petition_thanks"
    assert service.lookup(code).status == "closed"
