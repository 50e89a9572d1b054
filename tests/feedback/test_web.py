"""Console, public page and Open311 through the real FastAPI app (HTTP, real database)."""

import re

from sqlmodel import select

from feedback.db import session_scope
from feedback.models import Petition
from feedback.service import Contact, PetitionInput
from tests.feedback.conftest import csrf_of, login

XSS = "<script>alert('x')</script> Đèn đường ở tổ dân phố không sáng, trời tối rất nguy hiểm"


def file(service, text=XSS, location="phường Kỳ Lừa"):
    filed = service.file_petition(PetitionInput(
        description=text, location_text=location,
        contact=Contact(consent=True, name="Hoàng Thị Mai", phone="0912345678")))
    with session_scope(service.engine) as s:
        return s.exec(select(Petition).where(Petition.code == filed.code)).one()


def test_login_required_and_wrong_password(client, officers):
    assert client.get("/can-bo/", follow_redirects=False).headers["location"] == "/can-bo/dang-nhap"
    assert login(client, "kylua", "sai-mat-khau-roi").status_code == 401
    assert login(client, "kylua").status_code == 303


def test_officer_sees_only_own_unit_even_by_url(client, service, officers):
    mine = file(service)
    other = file(service, "Mất nước sinh hoạt ba ngày nay ở khu phố.", "phường Đông Kinh")
    assert other.unit_id != mine.unit_id
    login(client, "kylua")
    queue = client.get("/can-bo/").text
    assert mine.code in queue and other.code not in queue
    assert client.get(f"/can-bo/phan-anh/{other.id}").status_code == 404
    assert client.get("/can-bo/phan-anh/abc").status_code == 404
    page = client.get(f"/can-bo/phan-anh/{mine.id}")
    token = csrf_of(page.text)
    response = client.post(f"/can-bo/phan-anh/{other.id}/xu-ly",
                           data={"csrf_token": token, "action": "accept"})
    assert response.status_code == 404
    with session_scope(service.engine) as s:
        assert s.get(Petition, other.id).status == "received"


def test_text_is_escaped_not_executed(client, service, officers):
    mine = file(service)
    login(client, "kylua")
    html = client.get(f"/can-bo/phan-anh/{mine.id}").text
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_actions_need_csrf_and_follow_lifecycle(client, service, officers):
    mine = file(service)
    login(client, "kylua")
    url = f"/can-bo/phan-anh/{mine.id}/xu-ly"
    assert client.post(url, data={"action": "accept"}).status_code == 403
    token = csrf_of(client.get(f"/can-bo/phan-anh/{mine.id}").text)
    client.post(url, data={"csrf_token": token, "action": "accept"})
    page = client.post(url, data={"csrf_token": token, "action": "answer", "text": ""})
    assert "Bạn cần nhập" in page.text
    page = client.post(url, data={"csrf_token": token, "action": "answer",
                                  "text": "Đã thay bóng đèn. Liên hệ anh Tuấn 0987654321."})
    assert "Đã trả lời" in page.text
    public = client.get("/phan-anh/").text
    assert mine.code in public
    assert "0912345678" not in public and "Hoàng Thị Mai" not in public
    assert "0987654321" not in public and "Đã thay bóng đèn" in public
    assert "<script>" not in public


def test_moderation_hides_text_with_history(client, service, officers):
    mine = file(service, "Cán bộ phường là đồ ngu, đèn đường hỏng mãi không sửa.")
    service.act(officers["kylua"], mine.id, "accept")
    service.act(officers["kylua"], mine.id, "answer", "Đã sửa đèn đường.")
    login(client, "kylua")
    token = csrf_of(client.get(f"/can-bo/phan-anh/{mine.id}").text)
    page = client.post(f"/can-bo/phan-anh/{mine.id}/an-hien",
                       data={"csrf_token": token, "hide": "1", "reason": "Lời lẽ xúc phạm"})
    assert "Lời lẽ xúc phạm" in page.text  # in the history
    assert "đồ ngu" not in client.get(f"/phan-anh/{mine.code}").text


def test_staff_entry_and_dashboard(client, service, officers):
    login(client, "dieuphoi")
    page = client.get("/can-bo/nhap-moi")
    data = {"csrf_token": csrf_of(page.text), "channel": "phone",
            "description": "Mất điện từ sáng tới giờ chưa có lại, cả xóm không có điện.",
            "location": "xã Đồng Đăng", "level": "urgent"}
    result = client.post("/can-bo/nhap-moi", data=data)
    assert result.status_code == 200 and "Đã lưu phản ánh" in result.text
    bad = client.post("/can-bo/nhap-moi", data={**data, "description": "😀"})
    assert bad.status_code == 400 and "quá ngắn" in bad.text
    login(client, "quantri")
    board = client.get("/can-bo/thong-ke")
    assert board.status_code == 200 and "<svg" in board.text and "Điện lực" in board.text


def test_public_lookup_and_search(client, service, officers):
    mine = file(service)
    assert mine.code in client.get(f"/phan-anh/tra-cuu?ma={mine.code}").text
    assert client.get("/phan-anh/tra-cuu?ma=PA-XXXXXX").status_code == 404
    assert client.get(f"/phan-anh/{mine.code}").status_code == 404  # not answered yet
    assert client.get("/phan-anh/?q=%27%20OR%201%3D1--&trang=-5&don_vi=<b>").status_code == 200


def test_open311(client, service, officers):
    services = client.get("/open311/v2/services.json").json()
    assert {"service_code", "service_name", "metadata", "type"} <= set(services[0])
    created = client.post("/open311/v2/requests.json", data={
        "service_code": "dien", "address_string": "xã Đồng Đăng", "first_name": "Lan",
        "phone": "0912345678", "description": "Mất điện cả khu phố từ chiều, chưa có lại."})
    assert created.status_code == 200
    request_id = created.json()[0]["service_request_id"]
    # The one place the client learns the receipt key; it works on the lookup page's path.
    key = re.search(r"Mã bí mật[^:]*: (\w{4}-\w{4})", created.json()[0]["service_notice"]).group(1)
    with session_scope(service.engine) as s:
        pid = s.exec(select(Petition.id).where(Petition.code == request_id)).one()
    service.act(officers["quantri"], pid, "request_info", "Bạn cho biết số nhà.")
    assert service.citizen_add_info(request_id, "Số nhà 12", receipt_key=key).status == "accepted"
    item = client.get(f"/open311/v2/requests/{request_id}.json").json()[0]
    assert key not in str(item)
    assert item["status"] == "open" and item["agency_responsible"]
    assert "0912345678" not in str(item) and "Lan" not in str(item)
    listed = client.get("/open311/v2/requests.json?status=open").json()
    assert request_id in [r["service_request_id"] for r in listed]
    bad = client.post("/open311/v2/requests.json", data={"service_code": "khong-co"})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    assert client.get("/open311/v2/requests/PA-ZZZZZZ.json").status_code == 404
    assert client.get("/open311/v2/requests.json?start_date=hom-qua").status_code == 400


def test_staff_entry_shows_the_receipt_key_once(client, service, officers):
    """A petition taken on paper or by phone gets its receipt key too: the officer reads it out."""
    login(client, "kylua")
    page = client.get("/can-bo/nhap-moi")
    result = client.post("/can-bo/nhap-moi", data={
        "csrf_token": csrf_of(page.text), "channel": "counter", "location": "phường Kỳ Lừa",
        "description": "Cống thoát nước ở ngõ 5 bị tắc, mưa là ngập cả đoạn đường."})
    found = re.search(r"<strong>(PA-\w{6})</strong>.*mã bí mật <strong>(\w{4}-\w{4})</strong>",
                      result.text)
    assert result.status_code == 200 and found, result.text
    code, key = found.groups()
    with session_scope(service.engine) as s:
        pid = s.exec(select(Petition.id).where(Petition.code == code)).one()
    service.act(officers["kylua"], pid, "request_info", "Bạn cho biết số nhà gần nhất.")
    assert service.citizen_add_info(code, "Số nhà 12", receipt_key=key).status == "accepted"
    assert key not in client.get(f"/can-bo/phan-anh/{pid}").text  # shown once, not kept
