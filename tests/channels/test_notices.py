"""Petition notices reach the channel outbox in the petition's own transaction."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.channels.notices import OutboxNotices
from bot.channels.records import OutboxMessage
from feedback.auth import OfficerView
from feedback.config import FeedbackConfig
from feedback.service import Contact, PetitionInput
from feedback.web import build_service
from tests.support.database import migrated_url

OFFICER = OfficerView(id=1, username="kylua", full_name="Cán bộ Kỳ Lừa", role="officer",
                      unit_id="ubnd-phuong-ky-lua")


def _service(tmp_path, zns: bool):
    config = FeedbackConfig(db_url=migrated_url(tmp_path), secret_key="k")
    return build_service(config, OutboxNotices(zns_enabled=zns))


def _file(service, channel: str = "zalo", address: str = "u42"):
    return service.file_petition(PetitionInput(
        description="Đèn đường ở ngõ 5 phố Trần Đăng Ninh bị hỏng đã một tuần, tối không đi được",
        location_text="phường Kỳ Lừa", channel=channel,
        contact=Contact(consent=True, name="Lò Văn A", phone="0912 345 678",
                        notify_channel=channel, notify_address=address)))


def _outbox(service) -> list[OutboxMessage]:
    with Session(service.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def _petition_id(service, code: str) -> int:
    from feedback.models import Petition
    with Session(service.engine) as session:
        return session.exec(select(Petition.id).where(Petition.code == code)).one()


def test_an_accepted_petition_tells_the_citizen_on_their_chat_with_zns_as_fallback(tmp_path):
    service = _service(tmp_path, zns=True)
    filed = _file(service)
    service.act(OFFICER, _petition_id(service, filed.code), "accept")
    [row] = _outbox(service)
    body = json.loads(row.body)
    assert (row.channel, row.address, row.kind) == ("zalo", "u42", "notice")
    assert filed.code in body["text"]
    assert body["data"]["notice"] == "accepted" and body["data"]["code"] == filed.code
    assert json.loads(row.fallbacks) == [["zns", "0912 345 678"]]


def test_without_zns_a_notice_has_no_phone_fallback_and_the_web_chat_is_a_channel(tmp_path):
    service = _service(tmp_path, zns=False)
    filed = _file(service, channel="web", address="abc123")
    service.act(OFFICER, _petition_id(service, filed.code), "accept")
    [row] = _outbox(service)
    assert (row.channel, row.address, json.loads(row.fallbacks)) == ("web", "abc123", [])


def test_a_notice_links_to_the_petition_on_the_public_lookup_page(tmp_path):
    # The app's own wiring: MOTCUA_PUBLIC_URL (here with a trailing slash) names the site.
    from urllib.parse import urlsplit

    from fastapi.testclient import TestClient

    from motcua.settings import Settings
    from motcua.web import create_app
    from tests.conftest import free_port

    settings = Settings(rasa_port=free_port(), data_dir=tmp_path, db_url=migrated_url(tmp_path),
                        public_url="https://motcua.example.gov.vn/")
    app = create_app(settings)
    service = app.state.feedback
    filed = _file(service)
    service.act(OFFICER, _petition_id(service, filed.code), "accept")
    [row] = _outbox(service)
    link = json.loads(row.body)["text"].splitlines()[-1].removeprefix("Trang tra cứu: ")
    assert link == f"https://motcua.example.gov.vn/phan-anh/tra-cuu?ma={filed.code}"
    address = urlsplit(link)
    with TestClient(app) as client:
        page = client.get(f"{address.path}?{address.query}")
    assert page.status_code == 200 and filed.code in page.text and "Lò Văn A" not in page.text


def test_without_a_public_url_notices_carry_no_link():
    """The web server's own address (loopback here) would be a dead link on a citizen's phone."""
    from motcua.settings import Settings

    assert Settings(host="127.0.0.1", web_port=8123, public_url=None).public_base_url is None
    assert Settings(public_url="https://motcua.example.gov.vn/").public_base_url == (
        "https://motcua.example.gov.vn")
