"""Officer pages for live help (/can-bo/ho-tro): the queue, claim, answer in the citizen's chat,
hand back to the bot. Same login, session and CSRF protection as the petitions console."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, FileSystemLoader

from bot.handover.desk import STATUS_LABELS, HandoverDesk, HandoverError, Status
from feedback.web.deps import TEMPLATES_DIR, WebContext, check_csrf, current_officer, make_templates, read_form

RequestId = Path(ge=1, le=2**63 - 1)  # out-of-range ids get a 422, never reach SQL
HERE_TEMPLATES = __file__.rsplit("/", 1)[0] + "/templates"


def build(ctx: WebContext, desk: HandoverDesk) -> APIRouter:
    router = APIRouter(prefix="/can-bo/ho-tro", include_in_schema=False)
    templates = make_templates()
    templates.env.loader = ChoiceLoader([FileSystemLoader(HERE_TEMPLATES), FileSystemLoader(str(TEMPLATES_DIR))])
    templates.env.globals.update(STATUS_LABELS=STATUS_LABELS, Status=Status)
    directory = ctx.service.directory

    def page(request: Request, name: str, status_code: int = 200, **values) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"directory": directory, **values}, status_code=status_code)

    def to_request(request_id: int, error: str = "") -> RedirectResponse:
        suffix = f"?loi={error}" if error else ""
        return RedirectResponse(f"/can-bo/ho-tro/{request_id}{suffix}", status_code=303)

    @router.get("")
    def queue_page(request: Request) -> HTMLResponse:
        officer, csrf = current_officer(ctx, request)
        return page(request, "handover/queue.html", officer=officer, csrf=csrf, items=desk.queue())

    @router.get("/{request_id}")
    def request_page(request: Request, request_id: int = RequestId, loi: str = "") -> HTMLResponse:
        officer, csrf = current_officer(ctx, request)
        try:
            item = desk.get(request_id)
        except HandoverError as error:
            return page(request, "console/message.html", 404, officer=officer, csrf=csrf, message=str(error))
        return page(request, "handover/request.html", officer=officer, csrf=csrf, item=item,
                    transcript=desk.transcript(request_id), error=loi[:200])  # fmt: skip

    @router.post("/{request_id}/{action}")
    async def act(request: Request, action: str, request_id: int = RequestId) -> Response:
        # Database work runs in the thread pool: a busy database file must not stall the loop.
        officer, csrf = await run_in_threadpool(current_officer, ctx, request)
        form = await read_form(request)
        check_csrf(csrf, form)
        try:
            if action == "nhan":
                await run_in_threadpool(desk.claim, request_id, officer.full_name)
            elif action == "tra-loi":
                text = str(form.get("text") or "")
                await run_in_threadpool(desk.reply, request_id, officer.full_name, text)
            elif action == "ket-thuc":
                await run_in_threadpool(desk.release, request_id, officer.full_name)
            else:
                return page(request, "console/message.html", 404, officer=officer, csrf=csrf,
                            message="Không có thao tác này.")  # fmt: skip
        except HandoverError as error:
            return to_request(request_id, str(error))
        return to_request(request_id)

    return router
