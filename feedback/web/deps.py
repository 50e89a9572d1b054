"""What every route needs: the service, templates, the officer session cookie and CSRF checks.

The session is a signed cookie (itsdangerous) holding the officer id and a CSRF token; the officer
is re-loaded from the database on every request so a deactivated account is out at once. Routers
cannot install middleware on the lead's app, so all of this is plain functions and dependencies.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData

from feedback.auth import OfficerView, load_officer
from feedback.deadlines import local_date, to_vn, utcnow
from feedback.lifecycle import ACTIONS, ROLE_LABELS, STATES
from feedback.service import FeedbackService

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "motcua_can_bo"
SESSION_MAX_AGE = 8 * 3600
LOGIN_PATH = "/can-bo/dang-nhap"
MAX_UPLOAD = 6 * 1024 * 1024


@dataclass(frozen=True)
class WebContext:
    """Shared by the console, public and Open311 routers."""

    service: FeedbackService
    templates: Jinja2Templates
    signer: URLSafeTimedSerializer
    secure_cookies: bool


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.globals.update(STATES=STATES, ROLE_LABELS=ROLE_LABELS, ACTIONS=ACTIONS)
    env.filters["d"] = lambda v: v.strftime("%d/%m/%Y") if v else ""
    env.filters["dt"] = lambda v: f"{local_date(v):%d/%m/%Y}" if v else ""
    env.filters["dtm"] = lambda v: f"{to_vn(v):%d/%m/%Y %H:%M}" if v else ""
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.0%}"
    env.filters["from_json"] = lambda v: json.loads(v) if v else {}  # an audit event's detail
    env.globals["today"] = lambda: local_date(utcnow())
    return templates


def read_session(ctx: WebContext, request: Request) -> dict | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = ctx.signer.loads(raw, max_age=SESSION_MAX_AGE, salt="session")
    except BadSignature:
        return None
    return data if isinstance(data, dict) and "oid" in data and "csrf" in data else None


def session_cookie_value(ctx: WebContext, officer_id: int) -> str:
    return ctx.signer.dumps({"oid": officer_id, "csrf": secrets.token_urlsafe(24)}, salt="session")


def current_officer(ctx: WebContext, request: Request) -> tuple[OfficerView, str]:
    """The logged-in officer and their CSRF token, or a redirect to the login page."""
    data = read_session(ctx, request)
    officer = load_officer(ctx.service.engine, int(data["oid"])) if data else None
    if officer is None:
        raise HTTPException(status_code=303, headers={"Location": LOGIN_PATH})
    return officer, data["csrf"]


def check_csrf(expected: str, form: FormData) -> None:
    """Every console form carries the session's token; a forged cross-site post has none."""
    sent = str(form.get("csrf_token") or "")
    if not sent or not hmac.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="Phiên làm việc đã hết hạn, bạn tải lại trang rồi thử lại.")


def login_token(ctx: WebContext) -> str:
    return ctx.signer.dumps("login", salt="login-csrf")


def check_login_token(ctx: WebContext, token: str) -> bool:
    try:
        return ctx.signer.loads(token, max_age=3600, salt="login-csrf") == "login"
    except BadSignature:
        return False


async def read_form(request: Request) -> FormData:
    """The posted form, with sizes capped (a huge body gets a clear 413, not a crash)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_UPLOAD:
        raise HTTPException(status_code=413, detail="Dữ liệu gửi lên quá lớn (tối đa 5 MB ảnh).")
    try:
        return await request.form(max_files=1, max_fields=50, max_part_size=MAX_UPLOAD)
    except Exception as exc:  # malformed multipart bodies raise several parser errors
        raise HTTPException(status_code=400, detail="Dữ liệu gửi lên không hợp lệ.") from exc


MAX_ID = 2**63 - 1  # the largest id SQLite and PostgreSQL BIGINT can hold


def int_or_none(value: object) -> int | None:
    """A database id from a URL or form, or None (an out-of-range number must not reach SQL)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None
