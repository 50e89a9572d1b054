"""Public pages: resolved petitions (redacted), searchable and filterable, and lookup by code."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from feedback import codes, queries
from feedback.service import NotFound
from feedback.web.deps import WebContext, int_or_none

PER_PAGE = 20


def build(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/phan-anh", include_in_schema=False)
    service = ctx.service
    directory = service.directory

    def page(request: Request, name: str, status_code: int = 200, **values) -> HTMLResponse:
        return ctx.templates.TemplateResponse(request, name, {"directory": directory, **values},
                                              status_code=status_code)

    @router.get("/")
    def listing(request: Request, q: str = "", don_vi: str = "", xa: str = "", loai: str = "",
                trang: str = "1") -> HTMLResponse:
        unit = don_vi if directory.get(don_vi) else None
        commune = xa if directory.get(xa) else None
        service_code = loai if loai in directory.services else None
        page_no = max(1, min(int_or_none(trang) or 1, 1000))
        items, total = queries.public_list(service, q[:100], unit, commune, service_code,
                                           page_no, PER_PAGE)
        return page(request, "public/list.html", items=items, total=total, q=q[:100], unit=unit,
                    commune=commune, service_code=service_code, page_no=page_no,
                    pages=max(1, -(-total // PER_PAGE)))

    @router.get("/tra-cuu")
    def lookup(request: Request, ma: str = "") -> HTMLResponse:
        if not ma.strip():
            return page(request, "public/lookup.html", status=None, error=None, code="")
        try:
            status = service.lookup(ma[:32])
        except NotFound as exc:
            return page(request, "public/lookup.html", 404, status=None, error=str(exc), code=ma[:32])
        return page(request, "public/lookup.html", status=status, error=None, code=status.code)

    @router.get("/{code}")
    def detail(request: Request, code: str) -> HTMLResponse:
        normal = codes.normalise(code[:32])
        item = queries.public_item(service, normal) if normal else None
        if item is None:
            return page(request, "public/missing.html", 404)
        return page(request, "public/detail.html", item=item)

    return router
