"""Assisted mode: a member of a community digital-technology team (tổ công nghệ số cộng đồng)
talks to the bot on a citizen's behalf, from any channel — the web chat on a laptop at the commune
office included.

The helper opens a session with ``/hotro <mã người hỗ trợ> [người dân]`` (or "hỗ trợ <mã> …"; on
Telegram an account listed in ``TELEGRAM_HELPERS`` may leave the code out) and closes it with
``/xong`` (or "kết thúc hỗ trợ"). The session gets its own Rasa conversation (``assisted-<code>``),
every message carries the helper's identity in the metadata, and the procedures and tracking codes
the bot mentions are recorded, so the helper can hand the citizen a summary card at the end.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Any

from sqlmodel import Session, col, select

from bot.channels import texts
from bot.channels.records import AssistedSession, utcnow
from bot.rasa_client import BotMessage
from feedback import codes as tracking

log = logging.getLogger(__name__)

SENDER_PREFIX = "assisted-"
PROCEDURE_CODE = re.compile(r"\b\d\.\d{6}\b")
TRACKING_CODE = re.compile(r"\bPA-?[A-Z0-9]{6}\b")
VN_TIME = timezone(timedelta(hours=7))
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MIN_CODE_CHARS = 6  # a helper code works like a password: shorter ones are ignored
START_COMMAND = "/hotro"
END_COMMAND = "/xong"
START_WORDS = ("hỗ trợ", "ho tro")  # "hỗ trợ <mã> …" is a command only with a configured code
END_PHRASES = ("kết thúc hỗ trợ", "ket thuc ho tro", "xong hỗ trợ", "xong ho tro")


@dataclass(frozen=True)
class Helper:
    id: str
    name: str


def parse_helpers(spec: str) -> dict[str, Helper]:
    """``"123456:Nguyễn Văn A; 987654:Trần Thị B"`` → helpers by platform user id."""
    helpers: dict[str, Helper] = {}
    for item in spec.split(";"):
        user_id, _, name = item.partition(":")
        if user_id.strip():
            helpers[user_id.strip()] = Helper(user_id.strip(), name.strip() or user_id.strip())
    return helpers


def parse_codes(spec: str) -> dict[str, Helper]:
    """``"<mã>:<họ tên>; …"`` → helpers by code (matched without regard to case). The code itself is
    never stored: the session records a digest of it as the helper's id."""
    helpers: dict[str, Helper] = {}
    for code, helper in parse_helpers(spec).items():
        if len(code) < MIN_CODE_CHARS:
            log.warning("a helper code shorter than %d characters is ignored", MIN_CODE_CHARS)
            continue
        digest = hashlib.sha256(code.casefold().encode()).hexdigest()[:12]
        helpers[code.casefold()] = Helper(f"ma-{digest}", helper.name if helper.name != code else "")
    return helpers


@dataclass(frozen=True)
class Helpers:
    """Who may open a session: anyone with a code, and on one channel its listed accounts."""

    by_code: Mapping[str, Helper] = field(default_factory=dict)
    by_account: Mapping[str, Helper] = field(default_factory=dict)  # address → helper

    @classmethod
    def configured(cls, codes: str, accounts: Mapping[str, Helper] | None = None) -> Helpers:
        """The helpers' ``codes`` (``MOTCUA_ASSISTED_HELPERS="<mã>:<họ tên>; …"``, valid on every
        channel) plus this channel's ``accounts``."""
        return cls(parse_codes(codes), dict(accounts or {}))

    def by(self, code: str) -> Helper | None:
        return self.by_code.get(code.casefold())


def active(session: Session, channel: str, address: str) -> AssistedSession | None:
    """The open session in this helper's chat, if any."""
    return session.exec(
        select(AssistedSession).where(
            AssistedSession.channel == channel, AssistedSession.address == address,
            col(AssistedSession.ended_at).is_(None),
        )
    ).first()


def start(session: Session, channel: str, address: str, helper: Helper,
          citizen_label: str) -> AssistedSession:
    """Open a session; an earlier one left open in this chat is closed first."""
    previous = active(session, channel, address)
    if previous is not None:
        previous.ended_at = utcnow()
        session.add(previous)
    record = AssistedSession(
        code="HT-" + "".join(secrets.choice(_ALPHABET) for _ in range(6)),
        channel=channel, address=address, helper_id=helper.id, helper_name=helper.name,
        citizen_label=citizen_label.strip()[:200],
    )
    session.add(record)
    return record


def finish(session: Session, channel: str, address: str) -> AssistedSession | None:
    """Close the open session and return it (None when none was open)."""
    record = active(session, channel, address)
    if record is not None:
        record.ended_at = utcnow()
        session.add(record)
    return record


def command(session: Session, helpers: Helpers, channel: str, address: str, text: str) -> str | None:
    """What to answer when ``text`` opens or closes a session; None when it is not such a command
    (then it is a question for the bot). Runs inside the intake's transaction."""
    said = unicodedata.normalize("NFC", text).strip()
    folded = said.casefold()
    first, _, rest = said.partition(" ")
    if first.casefold().split("@")[0] == END_COMMAND or (
        folded in END_PHRASES and active(session, channel, address) is not None
    ):
        record = finish(session, channel, address)
        return handover_card(record) if record is not None else texts.ASSIST_NONE_OPEN
    if first.casefold().split("@")[0] == START_COMMAND:
        code, _, label = rest.strip().partition(" ")
        helper = helpers.by(code) if code else None
        if helper is None:
            helper, label = helpers.by_account.get(address), rest
        if helper is None:
            return texts.ASSIST_NOT_HELPER
        return _started(start(session, channel, address, helper, label))
    for words in START_WORDS:
        if folded.startswith(words + " "):
            code, _, label = said[len(words):].strip().partition(" ")
            helper = helpers.by(code)
            if helper is not None:
                return _started(start(session, channel, address, helper, label))
    return None


def _started(record: AssistedSession) -> str:
    return texts.assist_started(record.code, record.citizen_label, record.helper_name)


def conversation(session: Session, channel: str, address: str, sender: str) -> tuple[str, dict[str, Any]]:
    """The Rasa sender id and extra metadata for a message: the open session's, if there is one."""
    record = active(session, channel, address)
    if record is None:
        return sender, {}
    return SENDER_PREFIX + record.code, {
        "assisted": {
            "session": record.code, "helper_id": record.helper_id,
            "helper_name": record.helper_name, "citizen": record.citizen_label,
        }
    }


def note_replies(session: Session, sender: str, replies: list[BotMessage]) -> None:
    """Record the procedures and tracking codes the bot named during an assisted session."""
    if not sender.startswith(SENDER_PREFIX):
        return
    record = session.exec(
        select(AssistedSession).where(AssistedSession.code == sender.removeprefix(SENDER_PREFIX))
    ).first()
    if record is None:
        return
    procedures = json.loads(record.procedures)
    codes = json.loads(record.tracking_codes)
    for reply in replies:
        for line in reply.text.splitlines():
            for code in PROCEDURE_CODE.findall(line):
                if code not in [p["code"] for p in procedures]:
                    procedures.append({"code": code, "line": line.strip()[:200]})
        for candidate in TRACKING_CODE.findall(reply.text):
            code = tracking.normalise(candidate)
            if code and code not in codes:
                codes.append(code)
    record.procedures = json.dumps(procedures, ensure_ascii=False)
    record.tracking_codes = json.dumps(codes)
    session.add(record)


def handover_card(record: AssistedSession) -> str:
    """What the helper gives the citizen at the end: procedures, codes, and how to follow up."""
    day = record.started_at.astimezone(VN_TIME)
    lines = [f"PHIẾU HỖ TRỢ {record.code} — ngày {day:%d/%m/%Y}"]
    if record.helper_name:
        lines.append(f"Người hỗ trợ: {record.helper_name}")
    if record.citizen_label:
        lines.append(f"Người dân: {record.citizen_label}")
    procedures = json.loads(record.procedures)
    if procedures:
        lines.append("Thủ tục đã tra cứu:")
        lines += [f"• {p['line']}" for p in procedures]
    codes = json.loads(record.tracking_codes)
    if codes:
        lines.append("Mã phản ánh (giữ để tra cứu):")
        lines += [f"• {code} — gõ /tracuu {code} để xem kết quả" for code in codes]
    if not procedures and not codes:
        lines.append("Phiên này chưa tra cứu thủ tục hay gửi phản ánh nào.")
    lines.append("Bước tiếp theo: chuẩn bị đủ giấy tờ theo danh sách trên rồi nộp tại bộ phận "
                 "một cửa, hoặc nhắn Một Cửa bất cứ lúc nào để hỏi thêm.")
    return "\n".join(lines)
