"""The information-request round trip with the real servers: an officer asks in the console, the
citizen answers in the chat (Rasa's REST channel: NLU, rule, action server), and the officer sees
the answer on the petition's page, the petition back in the queue. Only the chat that filed the
petition may answer: another chat holding the (public) code is turned away.

The photo is sent the way the Telegram channel sends one: downloaded into the uploads folder, its
path in the message metadata and its caption as the text.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlmodel import select

from feedback.auth import create_officer
from feedback.db import session_scope
from feedback.models import Petition
from feedback.receipts import ChatIdentity
from feedback.service import FeedbackService, PetitionInput
from motcua import services
from motcua.settings import Settings
from tests.support.system import RunningSystem

pytestmark = pytest.mark.integration

PASSWORD = "mat-khau-thu-nghiem-1"
QUESTION = "Bạn cho biết đoạn đường cụ thể (gần nhà văn hóa hay gần trường)."
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


def petitions(system: RunningSystem) -> FeedbackService:
    """The running system's petition service: the database `motcua up` set up for it."""
    return services.feedback_service(Settings(data_dir=system.data_dir, db_url=system.db_url))


def say(system: RunningSystem, sender: str, text: str, **metadata) -> str:
    body = {"sender": sender, "message": text, **({"metadata": metadata} if metadata else {})}
    response = httpx.post(system.rest_webhook, json=body, timeout=60)
    response.raise_for_status()
    return "\n".join(m.get("text", "") for m in response.json())


class Officer:
    """An officer of the petition's unit, working in the console over HTTP."""

    def __init__(self, system: RunningSystem, service: FeedbackService, unit_id: str) -> None:
        name = f"cb-{uuid.uuid4().hex[:8]}"
        create_officer(service.engine, service.directory, name, "Cán bộ thử", PASSWORD, "officer", unit_id)
        self.http = httpx.Client(base_url=system.web_url, timeout=30)
        page = self.http.get("/can-bo/dang-nhap").text
        token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
        login = self.http.post("/can-bo/dang-nhap", data={"login_token": token, "username": name,
                                                           "password": PASSWORD})
        assert login.status_code in (200, 303), login.text

    def page(self, pid: int) -> str:
        response = self.http.get(f"/can-bo/phan-anh/{pid}")
        assert response.status_code == 200
        return response.text

    def request_info(self, pid: int, question: str) -> None:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.page(pid)).group(1)
        self.http.post(f"/can-bo/phan-anh/{pid}/xu-ly",
                       data={"csrf_token": csrf, "action": "request_info", "text": question})


def file(service: FeedbackService, text: str, filed_from: ChatIdentity) -> Petition:
    """Filed as from ``filed_from``: a REST message without metadata is chat ``chat:<sender>``."""
    code = service.file_petition(PetitionInput(description=text, location_text="phường Kỳ Lừa",
                                               filed_from=filed_from)).code
    with session_scope(service.engine) as s:
        return s.exec(select(Petition).where(Petition.code == code)).one()


def status_of(service: FeedbackService, pid: int) -> str:
    with session_scope(service.engine) as s:
        return s.get(Petition, pid).status


def test_the_citizen_answers_an_information_request_in_the_chat(running_system: RunningSystem) -> None:
    service = petitions(running_system)
    citizen = f"test-{uuid.uuid4().hex[:10]}"
    road = file(service, "Đường thôn Nà Lầy bị sụt lún, nhiều ổ gà lớn, xe máy đi lại rất nguy hiểm.",
                ChatIdentity("chat", citizen))
    officer = Officer(running_system, service, road.unit_id)
    officer.request_info(road.id, QUESTION)
    assert status_of(service, road.id) == "info_requested"

    status = say(running_system, citizen, f"tra cứu {road.code}")
    assert "gần nhà văn hóa hay gần trường" in status and f"Bổ sung {road.code}" in status
    asked = say(running_system, citizen, "tôi muốn bổ sung thông tin cho phản ánh")
    assert "PA-XXXXXX" in asked and "Bổ sung" in asked
    assert "chưa ghi nội dung bổ sung" in say(running_system, citizen, f"bo sung {road.code}")
    assert "Không tìm thấy" in say(running_system, citizen, "Bổ sung PA-22222B đoạn gần chợ")
    assert status_of(service, road.id) == "info_requested"
    # Anyone can read the code on the public pages: another chat cannot answer with it, and is
    # told the same as for a code of no petition.
    stranger = f"test-{uuid.uuid4().hex[:10]}"
    refused = say(running_system, stranger, f"Bổ sung {road.code} đoạn gần trường, xin xử lý gấp")
    assert "cuộc trò chuyện đã gửi phản ánh" in refused and road.code not in refused
    assert "cuộc trò chuyện đã gửi phản ánh" in say(running_system, stranger,
                                                      "Bổ sung PA-222222 đoạn gần chợ")
    assert status_of(service, road.id) == "info_requested"
    assert "đoạn gần trường" not in officer.page(road.id)

    added = say(running_system, citizen,
                f"bo sung {road.code.lower()} doan gan nha van hoa thon, dai khoang 50 met")
    assert f"thông tin bổ sung cho phản ánh {road.code}" in added, running_system.log_tail()
    assert status_of(service, road.id) == "accepted"
    again = say(running_system, citizen, f"Bổ sung {road.code}: còn một ổ gà nữa")
    assert "không chờ bổ sung" in again

    page = officer.page(road.id)
    assert "Đang xử lý" in page and "Người dân bổ sung thông tin" in page
    assert "doan gan nha van hoa thon, dai khoang 50 met" in page
    queue = officer.http.get("/can-bo/?trang_thai=accepted").text
    assert road.code in queue


def test_a_photo_captioned_with_the_code_reaches_the_officer(running_system: RunningSystem) -> None:
    service = petitions(running_system)
    sender = f"test-{uuid.uuid4().hex[:10]}"
    light = file(service, "Cột đèn chiếu sáng ở ngõ 7 phố Kỳ Lừa bị nghiêng, sắp đổ ra đường.",
                 ChatIdentity("telegram", sender))
    officer = Officer(running_system, service, light.unit_id)
    officer.request_info(light.id, "Bạn gửi ảnh cột đèn giúp.")
    assert status_of(service, light.id) == "info_requested"
    uploads = running_system.data_dir / "uploads" / "telegram"
    uploads.mkdir(parents=True, exist_ok=True)
    photo = uploads / f"{uuid.uuid4().hex}.jpg"
    photo.write_bytes(JPEG)

    reply = say(running_system, sender, f"Bổ sung {light.code}",
                channel="telegram", image={"source": "telegram", "path": str(photo),
                                           "content_type": "image/jpeg", "size": len(JPEG)})
    assert "Đã gửi thông tin bổ sung (kèm 1 ảnh)" in reply, running_system.log_tail()
    assert status_of(service, light.id) == "accepted"
    shown = re.search(r'<img src="(/can-bo/anh/\d+)" alt="Ảnh người dân bổ sung"', officer.page(light.id))
    assert shown, "the added photo is in the petition's history"
    assert officer.http.get(shown.group(1)).content == JPEG
