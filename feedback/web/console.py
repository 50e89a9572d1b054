"""Officer console: login, queue, petition page with actions, moderation, staff entry, dashboard.

Plain ``def`` routes run in FastAPI's threadpool; the ``async def`` ones (they await the form) hand
every database call to the threadpool too, so a slow query never stalls the event loop.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from feedback import queries
from feedback.auth import authenticate
from feedback.lifecycle import STATES, actions_for
from feedback.service import Contact, FeedbackError, NotFound, PetitionInput, Photo
from feedback.web.deps import (
    LOGIN_PATH, SESSION_COOKIE, SESSION_MAX_AGE, WebContext, check_csrf, check_login_token,
    current_officer, int_or_none, login_token, read_form, session_cookie_value,
)

STAFF_CHANNELS = {"paper": "Đơn giấy", "phone": "Điện thoại", "counter": "Tại quầy", "email": "Thư điện tử"}


def build(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/can-bo", include_in_schema=False)
    service = ctx.service
    directory = service.directory

    def page(request: Request, name: str, status_code: int = 200, **values) -> HTMLResponse:
        return ctx.templates.TemplateResponse(request, name, values, status_code=status_code)

    def not_found(request: Request, officer, csrf: str, message: str) -> HTMLResponse:
        return page(request, "console/message.html", 404, officer=officer, csrf=csrf,
                    message=message, directory=directory)

    @router.get("/dang-nhap")
    def login_form(request: Request) -> HTMLResponse:
        return page(request, "console/login.html", token=login_token(ctx), error=None)

    @router.post("/dang-nhap")
    async def login(request: Request) -> Response:
        form = await read_form(request)
        if not check_login_token(ctx, str(form.get("login_token") or "")):
            return page(request, "console/login.html", 400, token=login_token(ctx),
                        error="Trang đăng nhập đã hết hạn, bạn thử lại.")
        officer = await run_in_threadpool(authenticate, service.engine,
                                          str(form.get("username") or "")[:64],
                                          str(form.get("password") or "")[:256])
        if officer is None:
            return page(request, "console/login.html", 401, token=login_token(ctx),
                        error="Sai tên đăng nhập hoặc mật khẩu.")
        response = RedirectResponse("/can-bo/", status_code=303)
        response.set_cookie(SESSION_COOKIE, session_cookie_value(ctx, officer.id),
                            max_age=SESSION_MAX_AGE, httponly=True, samesite="strict",
                            secure=ctx.secure_cookies, path="/")
        return response

    @router.post("/dang-xuat")
    async def logout(request: Request) -> Response:
        _, csrf = await run_in_threadpool(current_officer, ctx, request)
        check_csrf(csrf, await read_form(request))
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/")
    def queue_page(request: Request, trang_thai: str = "", qua_han: str = "") -> HTMLResponse:
        officer, csrf = current_officer(ctx, request)
        status = trang_thai if trang_thai in STATES else None
        items = queries.queue(service, officer, status, overdue_only=qua_han == "1")
        return page(request, "console/queue.html", officer=officer, csrf=csrf, items=items,
                    directory=directory, status=status, overdue_only=qua_han == "1")

    @router.get("/phan-anh/{petition_id}")
    def petition_page(request: Request, petition_id: str, loi: str = "") -> HTMLResponse:
        officer, csrf = current_officer(ctx, request)
        pid = int_or_none(petition_id)
        try:
            if pid is None:
                raise NotFound("Không tìm thấy phản ánh này trong đơn vị của bạn.")
            view = queries.detail(service, officer, pid)
        except NotFound as exc:
            return not_found(request, officer, csrf, str(exc))
        return page(request, "console/petition.html", officer=officer, csrf=csrf, view=view,
                    directory=directory, actions=actions_for(view.petition.status, officer.role),
                    error=loi[:300] or None)

    def back(pid: int, error: str | None = None) -> RedirectResponse:
        url = f"/can-bo/phan-anh/{pid}"
        if error:
            url += "?loi=" + quote(error)
        return RedirectResponse(url, status_code=303)

    @router.post("/phan-anh/{petition_id}/xu-ly")
    async def act(request: Request, petition_id: str) -> Response:
        officer, csrf = await run_in_threadpool(current_officer, ctx, request)
        form = await read_form(request)
        check_csrf(csrf, form)
        pid = int_or_none(petition_id)
        action = str(form.get("action") or "")
        try:
            if pid is None:
                raise NotFound("Không tìm thấy phản ánh này trong đơn vị của bạn.")
            await run_in_threadpool(service.act, officer, pid, action, str(form.get("text") or ""),
                                    str(form.get("to_unit") or "") or None)
        except NotFound as exc:
            return not_found(request, officer, csrf, str(exc))
        except FeedbackError as exc:
            return back(pid, str(exc))
        if action == "transfer" and not officer.sees_all_units:
            return RedirectResponse("/can-bo/?da_chuyen=1", status_code=303)
        return back(pid)

    @router.post("/phan-anh/{petition_id}/an-hien")
    async def moderate(request: Request, petition_id: str) -> Response:
        officer, csrf = await run_in_threadpool(current_officer, ctx, request)
        form = await read_form(request)
        check_csrf(csrf, form)
        pid = int_or_none(petition_id)
        try:
            if pid is None:
                raise NotFound("Không tìm thấy phản ánh này trong đơn vị của bạn.")
            await run_in_threadpool(service.moderate, officer, pid, form.get("hide") == "1",
                                    str(form.get("reason") or ""), int_or_none(form.get("attachment_id")))
        except NotFound as exc:
            return not_found(request, officer, csrf, str(exc))
        except FeedbackError as exc:
            return back(pid, str(exc))
        return back(pid)

    @router.get("/anh/{attachment_id}")
    def photo(request: Request, attachment_id: str) -> Response:
        officer, _ = current_officer(ctx, request)
        aid = int_or_none(attachment_id)
        try:
            if aid is None:
                raise NotFound("Không tìm thấy ảnh.")
            attachment = queries.attachment_for_officer(service, officer, aid)
        except NotFound:
            raise HTTPException(status_code=404, detail="Không tìm thấy ảnh.") from None
        return Response(attachment.data, media_type=attachment.content_type,
                        headers={"Content-Security-Policy": "default-src 'none'",
                                 "X-Content-Type-Options": "nosniff", "Cache-Control": "private"})

    @router.get("/nhap-moi")
    def new_form(request: Request) -> HTMLResponse:
        officer, csrf = current_officer(ctx, request)
        return page(request, "console/new.html", officer=officer, csrf=csrf, directory=directory,
                    channels=STAFF_CHANNELS, levels=service.levels, error=None, values={}, filed=None)

    @router.post("/nhap-moi")
    async def new_submit(request: Request) -> HTMLResponse:
        officer, csrf = await run_in_threadpool(current_officer, ctx, request)
        form = await read_form(request)
        check_csrf(csrf, form)
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        upload = form.get("photo")
        photo = None
        if isinstance(upload, UploadFile) and upload.filename:
            photo = Photo(upload.filename, upload.content_type or "", await upload.read())
        consent = values.get("consent") == "1"
        channel = values.get("channel", "")
        try:
            if channel not in STAFF_CHANNELS:
                raise FeedbackError("Bạn chọn kênh tiếp nhận (đơn giấy, điện thoại, tại quầy…).")
            filed = await run_in_threadpool(service.file_petition, PetitionInput(
                description=values.get("description", ""), location_text=values.get("location", ""),
                channel=channel, service_code=values.get("service_code") or None,
                dossier_code=values.get("dossier_code") or None,
                level=values.get("level") or "normal",
                contact=Contact(consent, values.get("name"), values.get("phone"), values.get("email"))
                if consent else None,
                photo=photo,
            ), actor=officer.username)
        except FeedbackError as exc:
            return page(request, "console/new.html", 400, officer=officer, csrf=csrf,
                        directory=directory, channels=STAFF_CHANNELS, levels=service.levels,
                        error=str(exc), values=values, filed=None)
        return page(request, "console/new.html", officer=officer, csrf=csrf, directory=directory,
                    channels=STAFF_CHANNELS, levels=service.levels, error=None, values={},
                    filed=filed)

    @router.get("/thong-ke")
    def dashboard_page(request: Request) -> HTMLResponse:
        officer, csrf = current_officer(ctx, request)
        return page(request, "console/dashboard.html", officer=officer, csrf=csrf,
                    directory=directory, board=queries.dashboard(service, officer))

    return router

