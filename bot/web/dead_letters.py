"""Officer page for messages the platforms refused for good (/can-bo/tin-loi), admins only.

Each dead letter shows its channel, the recipient masked, when and why it failed (the platform's
code and what it means, in Vietnamese), and a "Gửi lại" button that queues a copy at the end of
that citizen's queue. Channel alerts (a Zalo token that could not be refreshed, an OA that needs
fixing) are shown above the list. Same login, session and CSRF protection as the petitions console.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from bot.channels.alerts import active_alerts
from bot.channels.outbox import dead_letters, requeue
from bot.channels.records import OutboxMessage
from feedback.lifecycle import Role
from feedback.receipts import hide_keys
from feedback.redact import redact
from feedback.web.deps import (
    TEMPLATES_DIR,
    WebContext,
    check_csrf,
    current_officer,
    make_templates,
    read_form,
)

PREFIX = "/can-bo/tin-loi"
HERE_TEMPLATES = __file__.rsplit("/", 1)[0] + "/templates"
RowId = Path(ge=1, le=2**63 - 1)  # out-of-range ids get a 422, never reach SQL
CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo OA", "zns": "Zalo ZNS (số điện thoại)",
                  "web": "Trò chuyện trên web"}
KIND_LABELS = {"notice": "Thông báo phản ánh", "reply": "Trả lời trò chuyện"}
GENERIC_HINT = "Nền tảng từ chối tin nhắn (mã {code}). Báo bộ phận kỹ thuật nếu lỗi lặp lại."


def mask(address: str, visible: int = 3) -> str:
    """Enough of a chat id or phone number to tell two apart, not enough to contact anyone."""
    if len(address) <= visible + 2:
        return "•" * len(address)
    return "•" * min(len(address) - visible, 8) + address[-visible:]


def preview(row: OutboxMessage, limit: int = 160) -> str:
    """The start of the message with personal data (phones, ID numbers, e-mails, names, house
    numbers) replaced as on the public pages: an admin needs the gist, not the citizen's details.
    Cut after redacting, so a number split at the cut is never half shown."""
    text = hide_keys(redact(str(json.loads(row.body).get("text") or ""))) or "(ảnh)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build(ctx: WebContext, engine: Engine) -> APIRouter:
    """The page's routes, on the channels database ``engine``."""
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    templates = make_templates()
    templates.env.loader = ChoiceLoader([FileSystemLoader(HERE_TEMPLATES), FileSystemLoader(str(TEMPLATES_DIR))])
    templates.env.filters.update(mask=mask, preview=preview, redact=redact)
    templates.env.globals.update(CHANNEL_LABELS=CHANNEL_LABELS, KIND_LABELS=KIND_LABELS,
                                 GENERIC_HINT=GENERIC_HINT)
    directory = ctx.service.directory

    def page(request: Request, name: str, status_code: int = 200, **values) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"directory": directory, **values},
                                          status_code=status_code)

    def not_admin(request: Request, officer, csrf: str) -> HTMLResponse:
        return page(request, "console/message.html", 403, officer=officer, csrf=csrf,
                    message="Chỉ quản trị viên xem được danh sách tin gửi lỗi. "
                            "Cần gửi lại tin nào, bạn liên hệ quản trị viên.")

    @router.get("")
    def list_page(request: Request, da_gui: int = 0, khong_con: int = 0) -> HTMLResponse:
        officer, csrf = current_officer(ctx, request)
        if officer.role != Role.ADMIN:
            return not_admin(request, officer, csrf)
        return page(request, "delivery/dead_letters.html", officer=officer, csrf=csrf,
                    rows=dead_letters(engine), alerts=active_alerts(engine),
                    requeued=da_gui, gone=khong_con)

    @router.post("/{row_id}/gui-lai")
    async def send_again(request: Request, row_id: int = RowId) -> Response:
        officer, csrf = await run_in_threadpool(current_officer, ctx, request)  # reads the database
        check_csrf(csrf, await read_form(request))
        if officer.role != Role.ADMIN:
            return not_admin(request, officer, csrf)
        copy = await run_in_threadpool(requeue, engine, row_id)
        outcome = "khong_con" if copy is None else "da_gui"
        return RedirectResponse(f"{PREFIX}?{outcome}={row_id}", status_code=303)

    return router
