"""The petition actions with rasa-sdk trackers and a real petition database, no servers: the
«bổ sung» answer to an information request, and the form's shared validation rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlmodel import select

from bot.actions.petition import ValidatePetitionForm
from bot.actions.petition_info import ActionAddPetitionInfo, parse_info_message
from feedback.auth import OfficerView
from feedback.config import FeedbackConfig
from feedback.db import session_scope
from feedback.lifecycle import Role
from feedback.models import Attachment, Petition
from feedback.receipts import ChatIdentity
from feedback.service import FeedbackService, PetitionInput
from feedback.validation import DESCRIPTION_TOO_LONG, DESCRIPTION_TOO_SHORT, MAX_DESCRIPTION_CHARS
from feedback.web import build_service
from tests.support.database import migrated_url

ROAD = "Đường thôn Nà Lầy bị sụt lún, nhiều ổ gà lớn, xe máy đi lại rất nguy hiểm."
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256))
ADMIN = OfficerView(1, "quantri", "Quản trị", Role.ADMIN, "van-phong-ubnd-tinh")
CITIZEN_CHAT = {"channel": "telegram", "address": "42"}  # the chat the petitions are filed from


@pytest.fixture
def service(tmp_path: Path) -> FeedbackService:
    return build_service(FeedbackConfig(db_url=migrated_url(tmp_path), secret_key="k"))


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    folder = tmp_path / "uploads" / "telegram"
    folder.mkdir(parents=True)
    return tmp_path / "uploads"


def petition(service: FeedbackService, asked: bool = True, text: str = ROAD) -> Petition:
    code = service.file_petition(PetitionInput(description=text, location_text="phường Kỳ Lừa",
                                               filed_from=ChatIdentity("telegram", "42"))).code
    with session_scope(service.engine) as s:
        stored = s.exec(select(Petition).where(Petition.code == code)).one()
    if asked:
        service.act(ADMIN, stored.id, "request_info", "Bạn cho biết đoạn đường cụ thể.")
    return stored


def run(service: FeedbackService, uploads: Path, text: str, **metadata) -> tuple[list[dict], list]:
    tracker = Tracker(
        "citizen-1", {}, {"text": text, "intent": {"name": "add_petition_info"}, "entities": [],
                          "metadata": {**CITIZEN_CHAT, **metadata}},
        [], False, None, {}, "action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = ActionAddPetitionInfo(lambda: service, lambda: uploads).run(dispatcher, tracker, {})
    return dispatcher.messages, events


def status_of(service: FeedbackService, code: str) -> str:
    return service.lookup(code).status


@pytest.mark.parametrize(("message", "code", "text"), [
    ("Bổ sung PA-7K3Q9M: đoạn gần nhà văn hóa", "PA-7K3Q9M", "đoạn gần nhà văn hóa"),
    ("bo sung pa 7k3q9m doan gan nha van hoa", "pa 7k3q9m", "doan gan nha van hoa"),
    ("tôi xin bổ sung thông tin cho phản ánh mã PA-7K3Q9M: số nhà 12", "PA-7K3Q9M", "số nhà 12"),
    ("Bổ sung số nhà 12 cho phản ánh PA-7K3Q9M.", "PA-7K3Q9M", "số nhà 12"),
    ("BỔ SUNG PA7K3Q9M", "PA7K3Q9M", ""),
    ("bổ sung ảnh chụp ổ gà", None, "ảnh chụp ổ gà"),
    ("bổ sung", None, ""),
])
def test_the_code_and_the_information_are_taken_apart(message: str, code: str | None, text: str) -> None:
    parsed = parse_info_message(message)
    assert (parsed.code, parsed.text) == (code, text)


def test_text_answers_the_request(service, uploads) -> None:
    p = petition(service)
    messages, events = run(service, uploads, f"bo sung {p.code.lower()} doan gan nha van hoa thon",
                           channel="telegram")
    assert [m["response"] for m in messages] == ["utter_info_added"]
    assert messages[0]["code"] == p.code
    assert SlotSet("tracking_code", p.code) in events
    assert status_of(service, p.code) == "accepted"


def test_a_photo_with_the_code_as_caption(service, uploads) -> None:
    p = petition(service)
    photo = uploads / "telegram" / "a.jpg"
    photo.write_bytes(JPEG)
    messages, _ = run(service, uploads, f"Bổ sung {p.code}",
                      image={"source": "telegram", "path": str(photo), "content_type": "image/jpeg"})
    assert [m["response"] for m in messages] == ["utter_info_added_photo"]
    with session_scope(service.engine) as s:
        assert [a.data for a in s.exec(select(Attachment))] == [JPEG]


def test_a_path_outside_the_uploads_is_never_read(service, uploads, tmp_path) -> None:
    p = petition(service)
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not for petitions")
    messages, _ = run(service, uploads, f"Bổ sung {p.code}",
                      image={"path": str(uploads / ".." / "secret.jpg"), "content_type": "image/jpeg"})
    assert [m["response"] for m in messages] == ["utter_info_photo_missing"]
    assert status_of(service, p.code) == "info_requested"
    with session_scope(service.engine) as s:
        assert s.exec(select(Attachment)).first() is None


@pytest.mark.parametrize(("message", "response"), [
    ("bổ sung thông tin cho phản ánh", "utter_ask_info_code"),
    ("Bổ sung PA-22222B đoạn gần chợ", "utter_info_unknown_code"),  # wrong check character
    ("Bổ sung PA-222222 đoạn gần chợ", "utter_info_not_yours"),  # no such petition: not told
])
def test_no_code_or_an_unknown_one(service, uploads, message: str, response: str) -> None:
    messages, events = run(service, uploads, message)
    assert [m["response"] for m in messages] == [response] and events == []


def test_nothing_to_add_or_nobody_asked(service, uploads) -> None:
    asked = petition(service)
    messages, _ = run(service, uploads, f"Bổ sung {asked.code}")
    assert [m["response"] for m in messages] == ["utter_info_empty"]
    assert status_of(service, asked.code) == "info_requested"
    not_asked = petition(service, asked=False, text="Cống thoát nước ở ngõ 5 bị tắc, mưa là ngập.")
    messages, _ = run(service, uploads, f"Bổ sung {not_asked.code} đoạn gần chợ")
    assert [m["response"] for m in messages] == ["utter_info_not_awaited"]
    assert messages[0]["status"] == "đã tiếp nhận"
    assert status_of(service, not_asked.code) == "received"
    merged = petition(service, asked=False)  # the same road again: merged with the first
    messages, _ = run(service, uploads, f"Bổ sung {merged.code} đoạn gần chợ")
    assert [m["response"] for m in messages] == ["utter_info_not_awaited_merged"]
    assert messages[0]["original"] == asked.code


@pytest.mark.parametrize(("value", "expected"), [
    ("ok", DESCRIPTION_TOO_SHORT), ("😀 ?!", DESCRIPTION_TOO_SHORT),
    ("x" * (MAX_DESCRIPTION_CHARS + 1), DESCRIPTION_TOO_LONG),
])
def test_the_form_refuses_what_the_service_refuses(value: str, expected: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = Tracker("c", {}, {"text": value}, [], False, None, {"name": "petition_form"}, None)
    slots = ValidatePetitionForm().validate_petition_description(value, dispatcher, tracker, {})
    assert slots == {"petition_description": None}
    assert [m["text"] for m in dispatcher.messages] == [expected]


def test_the_form_keeps_a_description_the_service_accepts() -> None:
    dispatcher = CollectingDispatcher()
    tracker = Tracker("c", {}, {"text": ROAD}, [], False, None, {"name": "petition_form"}, None)
    assert ValidatePetitionForm().validate_petition_description(ROAD, dispatcher, tracker, {}) == {
        "petition_description": ROAD}
    assert dispatcher.messages == []
