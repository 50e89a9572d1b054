"""Public pages: resolved petitions (redacted), searchable and filterable, and lookup by code."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from feedback import codes, queries
from feedback.service import FeedbackError, KeyLocked, NotFound, Photo, WrongKey
from feedback.web.deps import WebContext, read_form

PER_PAGE = 20
INFO_TOKEN_MAX_AGE = 2 * 3600


def info_token(ctx: WebContext, code: str) -> str:
    """The add-information form's token: signed, bound to the code, valid two hours (no session
    on public pages, so this stands where the console's session CSRF token does)."""
    return ctx.signer.dumps(code, salt="add-info")


def info_token_ok(ctx: WebContext, token: str, code: str) -> bool:
    try:
        return ctx.signer.loads(token, max_age=INFO_TOKEN_MAX_AGE, salt="add-info") == code
    except BadSignature:
        return False


def build(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/phan-anh", include_in_schema=False)
    service = ctx.service
    directory = service.directory

    def page(request: Request, name: str, status_code: int = 200, **values) -> HTMLResponse:
        return ctx.templates.TemplateResponse(request, name, {"directory": directory, **values},
                                              status_code=status_code)

    @router.get("/")
    def listing(request: Request, q: str = "", don_vi: str = "", xa: str = "", loai: str = "",
                sau: str = "") -> HTMLResponse:
        """``sau`` is the keyset cursor of the next page (a bad one shows the first page)."""
        unit = don_vi if directory.get(don_vi) else None
        commune = xa if directory.get(xa) else None
        service_code = loai if loai in directory.services else None
        cursor = sau[:64] or None
        result = queries.public_list(service, q[:100], unit, commune, service_code, cursor, PER_PAGE)
        return page(request, "public/list.html", items=result.items, total=result.total,
                    more_than=queries.COUNT_CAP, q=q[:100], unit=unit, commune=commune,
                    service_code=service_code, next_cursor=result.next_cursor,
                    first_page=queries.decode_cursor(cursor) is None)

    @router.get("/tra-cuu")
    def lookup(request: Request, ma: str = "") -> HTMLResponse:
        if not ma.strip():
            return page(request, "public/lookup.html", status=None, error=None, code="")
        try:
            status = service.lookup(ma[:32])
        except NotFound as exc:
            return page(request, "public/lookup.html", 404, status=None, error=str(exc), code=ma[:32])
        return page(request, "public/lookup.html", status=status, error=None, code=status.code,
                    info_token=info_token(ctx, status.code))

    @router.post("/{code}/bo-sung")
    async def add_info(request: Request, code: str) -> HTMLResponse:
        """The citizen answers an officer's question from the lookup page: text, a photo or both,
        with the receipt key (codes are public; the key proves the citizen filed the petition)."""
        form = await read_form(request)
        normal = codes.normalise(code[:32]) or ""
        text = str(form.get("text") or "")
        key = str(form.get("ma_bi_mat") or "")[:64]
        upload = form.get("photo")
        photo = (Photo(upload.filename, upload.content_type or "", await upload.read())
                 if isinstance(upload, UploadFile) and upload.filename else None)
        fresh = info_token_ok(ctx, str(form.get("info_token") or ""), normal)
        try:
            if not fresh:
                raise FeedbackError("Trang đã mở quá lâu. Bạn gửi lại nội dung bổ sung ở khung dưới.")
            status = await run_in_threadpool(
                service.citizen_add_info, normal, text, photo, channel="web", receipt_key=key,
                client=request.client.host if request.client else "")
        except FeedbackError as exc:
            try:
                status = await run_in_threadpool(service.lookup, normal)
            except NotFound as missing:
                return page(request, "public/lookup.html", 404, status=None, error=str(missing),
                            code=code[:32])
            refused = (429 if isinstance(exc, KeyLocked) else 403 if isinstance(exc, WrongKey)
                       else 400)
            return page(request, "public/lookup.html", refused if fresh else 403, status=status,
                        error=None, code=status.code, info_token=info_token(ctx, status.code),
                        info_error=str(exc), info_text=text)
        return page(request, "public/lookup.html", status=status, error=None, code=status.code,
                    info_sent=True)

    @router.get("/{code}")
    def detail(request: Request, code: str) -> HTMLResponse:
        normal = codes.normalise(code[:32])
        item = queries.public_item(service, normal) if normal else None
        if item is None:
            return page(request, "public/missing.html", 404)
        return page(request, "public/detail.html", item=item)

    return router
