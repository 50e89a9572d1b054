"""Assisted mode: a member of a community digital-technology team (tổ công nghệ số cộng đồng)
talks to the bot on a citizen's behalf.

The session gets its own Rasa conversation (``assisted-<code>``), every message carries the
helper's identity in the metadata, and the procedures and tracking codes the bot mentions are
recorded, so the helper can hand the citizen a summary card at the end.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.channels.records import AssistedSession, utcnow
from bot.rasa_client import BotMessage
from feedback.db import session_scope
from feedback import codes as tracking

SENDER_PREFIX = "assisted-"
PROCEDURE_CODE = re.compile(r"\b\d\.\d{6}\b")
TRACKING_CODE = re.compile(r"\bPA-?[A-Z0-9]{6}\b")
VN_TIME = timezone(timedelta(hours=7))
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


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


def active(session: Session, channel: str, address: str) -> AssistedSession | None:
    """The open session in this helper's chat, if any."""
    return session.exec(
        select(AssistedSession).where(
            AssistedSession.channel == channel, AssistedSession.address == address,
            col(AssistedSession.ended_at).is_(None),
        )
    ).first()


def start(engine: Engine, channel: str, address: str, helper: Helper, citizen_label: str) -> AssistedSession:
    """Open a session; an earlier one left open in this chat is closed first."""
    with session_scope(engine) as session:
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


def finish(engine: Engine, channel: str, address: str) -> AssistedSession | None:
    """Close the open session and return it (None when none was open)."""
    with session_scope(engine) as session:
        record = active(session, channel, address)
        if record is not None:
            record.ended_at = utcnow()
            session.add(record)
        return record


def conversation(record: AssistedSession) -> tuple[str, dict[str, Any]]:
    """The Rasa sender id and metadata for a message typed during the session."""
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
    lines = [f"PHIẾU HỖ TRỢ {record.code} — ngày {day:%d/%m/%Y}",
             f"Người hỗ trợ: {record.helper_name}"]
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
