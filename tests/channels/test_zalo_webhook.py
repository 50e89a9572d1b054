"""Zalo webhook hygiene in the web app: replayed old events, Unicode normalisation before limits,
and photos downloaded from Zalo's CDN (old event ids are pruned by the retention job:
tests/channels/test_retention.py). Rasa is not needed (nothing here reaches it)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.actions.petition_info import photo_from
from bot.channels import texts, zalo
from bot.channels.records import InboxMessage, OutboxMessage, SeenEvent
from bot.channels.store import open_store
from bot.channels.zalo_config import ZaloConfig
from bot.channels.zalo_photos import PhotoSources
from motcua import services
from motcua.settings import Settings, zalo_config
from tests.channels.conftest import FakeZaloCdn
from tests.conftest import free_port
from tests.support import fake_zalo
from tests.support.fake_zalo import FakeZalo
from tests.support.database import migrated_url

HOURS = 3600 * 1000  # in Zalo's milliseconds


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeZalo]:
    server = FakeZalo().start()
    yield server
    server.stop()


@pytest.fixture
def web(fake: FakeZalo, tmp_path: Path, monkeypatch) -> Callable[[], TestClient]:
    """Factory: the web app with the Zalo router (started with its workers on entering)."""
    for key, value in {
        "ZALO_OA_ID": fake_zalo.OA_ID, "ZALO_APP_ID": fake_zalo.APP_ID,
        "ZALO_OA_SECRET_KEY": fake_zalo.OA_SECRET_KEY, "ZALO_APP_SECRET": fake_zalo.APP_SECRET,
        "ZALO_ACCESS_TOKEN": fake.access_token, "ZALO_REFRESH_TOKEN": fake.refresh_token,
        "ZALO_API_BASE_URL": fake.base_url, "ZALO_OAUTH_BASE_URL": fake.base_url,
        "MOTCUA_CHANNEL_MAX_TEXT_CHARS": "40",
    }.items():
        monkeypatch.setenv(key, value)

    def start() -> TestClient:
        settings = Settings(host="127.0.0.1", rasa_port=free_port(), data_dir=tmp_path / "var",
                            db_url=migrated_url(tmp_path / "var"))  # migrated, as by `motcua up`
        app = FastAPI()
        router = zalo.create_router(zalo_config(), services.channel_wiring(settings))
        app.include_router(router)
        return TestClient(app)

    return start


def _post(client: TestClient, event: dict) -> dict:
    body, headers = FakeZalo.signed(event)
    response = client.post("/zalo/webhook", content=body, headers=headers)
    assert response.status_code == 200
    return response.json()


def _inbox(tmp_path: Path) -> list[InboxMessage]:
    with Session(open_store(migrated_url(tmp_path / "var"))) as session:
        return list(session.exec(select(InboxMessage)).all())


def test_a_replayed_old_event_is_ignored(web, tmp_path):
    old = FakeZalo.event("u200", "dang ky khai sinh")
    old["timestamp"] = str(int(old["timestamp"]) - 4 * HOURS)  # signed by Zalo, four hours ago
    future = FakeZalo.event("u200", "dang ky ket hon")
    future["timestamp"] = str(int(future["timestamp"]) + 4 * HOURS)
    fresh = FakeZalo.event("u200", "xin chào")
    with web() as client:
        assert _post(client, old) == {"ok": True, "ignored": "stale"}
        assert _post(client, future) == {"ok": True, "ignored": "stale"}
        assert _post(client, fresh) == {"ok": True}
    assert [m.text for m in _inbox(tmp_path)] == ["xin chào"]
    with Session(open_store(migrated_url(tmp_path / "var"))) as session:
        claimed = [e.key for e in session.exec(select(SeenEvent)).all()]
    assert claimed == [fresh["message"]["msg_id"]]  # the stale ones were not even claimed


def test_text_is_nfc_normalised_before_the_length_limit(web, tmp_path):
    said = "Tôi muốn hỏi về đăng ký khai sinh"  # 33 characters composed
    decomposed = unicodedata.normalize("NFD", said)
    assert len(decomposed) > 40 >= len(said)  # too long only when counted decomposed
    with web() as client:
        assert _post(client, FakeZalo.event("u201", decomposed)) == {"ok": True}
    [stored] = _inbox(tmp_path)
    assert stored.text == said and unicodedata.is_normalized("NFC", stored.text)


# ---- photos: downloaded from Zalo's CDN (a loopback fake here) into the uploads folder ---------


@pytest.fixture
def photo_web(web, zalo_cdn, monkeypatch) -> Callable[[], TestClient]:
    """The web app with the fake CDN as an allowed photo source (besides Zalo's real ones)."""
    monkeypatch.setenv("ZALO_PHOTO_SOURCES", f"https://*.zadn.vn, {zalo_cdn.base_url}")
    return web


def _photo(user: str, url: str, caption: str = "") -> dict:
    attachment = {"type": "image", "payload": {"url": url, "thumbnail": url}}
    return FakeZalo.event(user, caption, name="user_send_image", attachments=[attachment])


def _told(tmp_path: Path, user: str) -> list[str]:
    with Session(open_store(migrated_url(tmp_path / "var"))) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.address == user)
                            .order_by(OutboxMessage.id)).all()
    return [json.loads(row.body)["text"] for row in rows]


def _uploads(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "var" / "uploads" / "zalo"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("path", ["/anh.jpg", "/chuyen.jpg"])
def test_a_photo_is_downloaded_and_reaches_the_petition_path(photo_web, zalo_cdn, tmp_path, path):
    event = _photo("u300", zalo_cdn.url(path), "Bổ sung PA-7K3Q9M ổ gà")
    with photo_web() as client:
        assert _post(client, event) == {"ok": True}
        assert _post(client, event) == {"ok": True}  # Zalo posts it again: fetched once
    [stored] = _inbox(tmp_path)
    assert stored.text == "Bổ sung PA-7K3Q9M ổ gà"
    image = json.loads(stored.meta)["image"]
    assert image["source"] == "zalo" and image["content_type"] == "image/jpeg"
    assert image["size"] == len(FakeZaloCdn.JPEG) and "url" not in image
    [saved] = _uploads(tmp_path)
    assert Path(image["path"]) == saved and saved.read_bytes() == FakeZaloCdn.JPEG
    assert zalo_cdn.requests.get("/anh.jpg") == 1
    # The action that adds it to the petition reads it as it reads Telegram's photos.
    photo = photo_from(json.loads(stored.meta), tmp_path / "var" / "uploads")
    assert photo is not None and photo.content_type == "image/jpeg"
    assert photo.data == FakeZaloCdn.JPEG


@pytest.mark.parametrize(("path", "told"), [
    ("/lon.jpg", texts.PHOTO_TOO_BIG),  # says it is too big
    ("/khong-khai.jpg", texts.PHOTO_TOO_BIG),  # says nothing, then sends too much
    ("/trang.html", texts.PHOTO_NOT_IMAGE),
    ("/gia.jpg", texts.PHOTO_NOT_IMAGE),  # says JPEG, is HTML
    ("/mat.jpg", texts.PHOTO_NOT_DOWNLOADED),
])
def test_a_photo_that_cannot_be_kept_is_explained(photo_web, zalo_cdn, tmp_path, path, told):
    with photo_web() as client:
        event = _photo("u301", zalo_cdn.url(path), "Bổ sung PA-7K3Q9M")
        assert _post(client, event) == {"ok": True}
    assert _told(tmp_path, "u301") == [told]
    assert _inbox(tmp_path) == [] and _uploads(tmp_path) == []
    assert zalo_cdn.requests.get(path) == 1


def test_a_photo_that_cannot_be_saved_is_explained_and_not_fetched_forever(
        photo_web, zalo_cdn, tmp_path, caplog):
    # The uploads folder cannot be written (a file stands where the folder should): as a full disk.
    uploads = tmp_path / "var" / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "zalo").write_bytes(b"")
    event = _photo("u303", zalo_cdn.url("/anh.jpg") + "?token=SECRET-QUERY", "Bổ sung PA-7K3Q9M")
    with caplog.at_level("WARNING"), photo_web() as client:
        assert _post(client, event) == {"ok": True}  # not a 500: Zalo would post it again
        assert _post(client, event) == {"ok": True}  # ...and if it does, it is a duplicate
    assert _told(tmp_path, "u303") == [texts.PHOTO_NOT_DOWNLOADED]
    assert _inbox(tmp_path) == []
    assert zalo_cdn.requests.get("/anh.jpg") == 1
    assert "Zalo photo not saved" in caplog.text
    assert "SECRET-QUERY" not in caplog.text and "u303" not in caplog.text


@pytest.mark.parametrize("url", [
    "https://evil.example/anh.jpg",  # not Zalo's CDN
    "https://zadn.vn.evil.example/anh.jpg",
    "file:///etc/passwd",
    "không phải địa chỉ",
])
def test_a_photo_from_elsewhere_is_never_fetched(photo_web, zalo_cdn, tmp_path, url):
    with photo_web() as client:
        assert _post(client, _photo("u302", url)) == {"ok": True}
    assert _told(tmp_path, "u302") == [texts.PHOTO_NOT_DOWNLOADED]
    assert _inbox(tmp_path) == [] and _uploads(tmp_path) == []


def test_plain_http_is_refused_where_https_is_configured(web, zalo_cdn, tmp_path, monkeypatch):
    host = zalo_cdn.base_url.removeprefix("http://")
    monkeypatch.setenv("ZALO_PHOTO_SOURCES", f"https://{host}")  # as production: https only
    with web() as client:
        assert _post(client, _photo("u303", zalo_cdn.url("/anh.jpg"))) == {"ok": True}
    assert _told(tmp_path, "u303") == [texts.PHOTO_NOT_DOWNLOADED]
    assert zalo_cdn.requests == {}


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://s120-ava-talk.zadn.vn/a/b.jpg", True),
    ("https://dl.zdn.vn/x.png", True),
    ("https://zadn.vn/x.jpg", True),
    ("http://s120-ava-talk.zadn.vn/a/b.jpg", False),  # plain http
    ("https://s120.zadn.vn:8443/a.jpg", False),  # another port
    ("https://zadn.vn.evil.example/a.jpg", False),
    ("https://evilzadn.vn/a.jpg", False),
])
def test_the_default_photo_sources_are_zalos_cdn_over_https(url: str, allowed: bool) -> None:
    default = ZaloConfig.model_fields["photo_sources"].default
    assert PhotoSources(default).allow(httpx.URL(url)) is allowed
