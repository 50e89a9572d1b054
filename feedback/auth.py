"""Officer accounts: argon2 password hashes, creation and login checks."""

from __future__ import annotations

import json
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from feedback.db import session_scope
from feedback.directory import Directory
from feedback.lifecycle import Role
from feedback.models import AuditEvent, Officer

_hasher = PasswordHasher()
MIN_PASSWORD = 10
# Verified when the username is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("không-có-tài-khoản-này")


class AccountError(ValueError):
    """A refused account operation, with a message safe to show."""


@dataclass(frozen=True)
class OfficerView:
    """The logged-in officer as the rest of the code sees it (no password hash)."""

    id: int
    username: str
    full_name: str
    role: Role
    unit_id: str

    @property
    def sees_all_units(self) -> bool:
        return self.role == Role.ADMIN


def view(officer: Officer) -> OfficerView:
    return OfficerView(officer.id, officer.username, officer.full_name, Role(officer.role),
                       officer.unit_id)


def create_officer(
    engine: Engine, directory: Directory, username: str, full_name: str, password: str,
    role: str, unit_id: str, actor: str = "system",
) -> OfficerView:
    """Create an account; refuses unknown units/roles, short passwords and taken usernames."""
    username = username.strip().lower()
    if not username.isascii() or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise AccountError("Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang.")
    if role not in {r.value for r in Role}:
        raise AccountError(f"Vai trò không hợp lệ: {role}.")
    if directory.get(unit_id) is None:
        raise AccountError(f"Không có đơn vị {unit_id} trong danh bạ.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    with session_scope(engine) as session:
        if session.exec(select(Officer).where(Officer.username == username)).first():
            raise AccountError(f"Tên đăng nhập {username} đã có.")
        officer = Officer(username=username, full_name=full_name.strip() or username,
                          password_hash=_hasher.hash(password), role=role, unit_id=unit_id)
        session.add(officer)
        session.flush()
        session.add(AuditEvent(actor=actor, action="create_officer",
                               detail=json.dumps({"username": username, "role": role,
                                                  "unit": unit_id}, ensure_ascii=False)))
        return view(officer)


def authenticate(engine: Engine, username: str, password: str) -> OfficerView | None:
    """The officer if the password matches an active account, else None."""
    with session_scope(engine) as session:
        officer = session.exec(
            select(Officer).where(Officer.username == (username or "").strip().lower())
        ).first()
        try:
            if officer is None or not officer.active:
                _hasher.verify(_DUMMY_HASH, password or "x")
                return None
            _hasher.verify(officer.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(officer.password_hash):
            officer.password_hash = _hasher.hash(password)
            session.add(officer)
        return view(officer)


def load_officer(engine: Engine, officer_id: int) -> OfficerView | None:
    """The active officer with this id (sessions are re-checked on every request)."""
    with session_scope(engine) as session:
        officer = session.get(Officer, officer_id)
        return view(officer) if officer and officer.active else None
