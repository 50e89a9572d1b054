"""Open311 GeoReport v2 (JSON): services, service requests (GET and POST) and request status.

Field names and the error format ``[{"code": 400, "description": "…"}]`` follow the spec so civic
apps and dashboards work unchanged. Descriptions are redacted; contact details never go out.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from feedback import codes, queries
from feedback.deadlines import VN_TZ
from feedback.queries import PublicItem
from feedback.receipts import shown
from feedback.service import Contact, FeedbackError, PetitionInput
from feedback.web.deps import WebContext, int_or_none, read_form


MAX_PAGE = 1000  # GeoReport v2: a list returns at most 1000 requests


def error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def _w3c(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    else:  # a deadline date: due at the end of that working day, Vietnam time
        aware = datetime.combine(moment, time(17, 0), tzinfo=VN_TZ)
    return aware.astimezone(VN_TZ).isoformat(timespec="seconds")


def _parse_w3c(value: str) -> datetime:
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def _request_json(item: PublicItem) -> dict:
    return {
        "service_request_id": item.code,
        "status": item.open311_status,
        "status_notes": item.answer or item.status_note or item.status_label,
        "service_name": item.service_name,
        "service_code": item.service_code,
        "description": item.description,
        "agency_responsible": item.unit_name,
        "service_notice": f"Hạn trả lời: {item.expected:%d/%m/%Y}",
        "requested_datetime": _w3c(item.requested),
        "updated_datetime": _w3c(item.updated),
        "expected_datetime": _w3c(item.expected),
        "address": item.commune_name,
        "address_id": None,
        "zipcode": None,
        "lat": item.lat,
        "long": item.lon,
        "media_url": None,
    }


def _float(value: object, low: float, high: float) -> float | None:
    try:
        number = float(str(value))
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def build(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/open311/v2", tags=["open311"])
    service = ctx.service
    directory = service.directory

    @router.get("/services.json")
    def services() -> JSONResponse:
        return JSONResponse([
            {"service_code": s.code, "service_name": s.name, "description": s.description,
             "metadata": False, "type": "realtime", "keywords": "", "group": s.group}
            for s in directory.services.values()
        ])

    @router.get("/requests.json")
    def list_requests(request: Request, service_request_id: str = "", service_code: str = "",
                      start_date: str = "", end_date: str = "", status: str = "",
                      page_size: str = "", after: str = "") -> JSONResponse:
        """Newest first, at most ``page_size`` (default and most 1000); the next page's URL, keyset
        by ``after``, is in the ``Link: <…>; rel="next"`` header (the body stays the spec's array)."""
        wanted = [c for c in (codes.normalise(x) for x in service_request_id.split(",")[:100]) if c]
        if service_request_id and not wanted:
            return JSONResponse([])
        try:
            start = _parse_w3c(start_date) if start_date else None
            end = _parse_w3c(end_date) if end_date else None
        except ValueError:
            return error(400, "start_date/end_date phải theo định dạng W3C, ví dụ 2026-01-31T00:00:00+07:00.")
        statuses = {s.strip() for s in status.split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            return error(400, "status chỉ nhận open hoặc closed.")
        only = statuses.pop() if len(statuses) == 1 else None
        size = min(int_or_none(page_size) or MAX_PAGE, MAX_PAGE)
        result = queries.open311_requests(service, wanted or None, service_code or None, start, end,
                                          only, size, after[:64] or None)
        headers = {}
        if result.next_cursor:
            headers["Link"] = f'<{request.url.include_query_params(after=result.next_cursor)}>; rel="next"'
        return JSONResponse([_request_json(i) for i in result.items], headers=headers)

    @router.get("/requests/{request_id}.json")
    def get_request(request_id: str) -> JSONResponse:
        code = codes.normalise(request_id[:32])
        items = queries.open311_requests(service, [code]).items if code else []
        if not items:
            return error(404, f"Không có service_request_id {request_id[:32]}.")
        return JSONResponse([_request_json(items[0])])

    @router.post("/requests.json")
    async def create_request(request: Request) -> JSONResponse:
        try:
            form = await read_form(request)
        except Exception:  # read_form raises HTTPException; Open311 wants its own error format
            return error(400, "Dữ liệu gửi lên không hợp lệ.")
        values = {k: str(v)[:5000] for k, v in form.items() if isinstance(v, str)}
        keys = service.config.open311_api_keys
        if keys and values.get("api_key") not in keys:
            return error(403, "api_key không hợp lệ.")
        code = values.get("service_code", "")
        if code not in directory.services:
            return error(400, "service_code không hợp lệ; xem services.json.")
        lat = _float(values.get("lat"), -90, 90)
        lon = _float(values.get("long"), -180, 180)
        address = values.get("address_string", "").strip()
        if not address and (lat is None or lon is None):
            return error(400, "Cần address_string hoặc cặp lat/long.")
        name = " ".join(x for x in (values.get("first_name"), values.get("last_name")) if x).strip()
        contact_given = any(values.get(k) for k in ("email", "phone", "first_name", "last_name"))
        contact = Contact(True, name or None, values.get("phone"), values.get("email")) if contact_given else None
        try:
            filed = await run_in_threadpool(service.file_petition, PetitionInput(
                description=values.get("description", ""), location_text=address, channel="open311",
                service_code=code, contact=contact, lat=lat, lon=lon,
            ), actor="open311")
        except FeedbackError as exc:
            return error(400, str(exc))
        # The receipt key goes back to the client that filed (its user adds information with it
        # on the lookup page); nothing else in Open311 ever shows it.
        notice = (f"Đã tiếp nhận, chuyển {filed.unit_name}; hạn trả lời "
                  f"{filed.expected_answer_date:%d/%m/%Y}. Mã bí mật để bổ sung thông tin trên "
                  f"trang tra cứu: {shown(filed.receipt_key)}.")
        return JSONResponse([{"service_request_id": filed.code, "service_notice": notice,
                              "account_id": None}])

    return router
