"""The service API the bot calls, against a real database."""


import pytest
from sqlmodel import select

from feedback.db import session_scope
from motcua.db import migrate
from feedback.models import AuditEvent, Petition, RoutingWeight
from feedback.routing import ProcedureHint
from feedback.receipts import ChatIdentity
from feedback.service import Contact, FeedbackError, NotFound, NotTheFiler, PetitionInput

ROAD = "Đường thôn Nà Lầy bị sụt lún, nhiều ổ gà lớn, xe máy đi lại rất nguy hiểm."


def file(service, text=ROAD, location="xã Hợp Thành, huyện Cao Lộc", **kw):
    contact = Contact(consent=True, name="Lò Văn A", notify_channel="telegram", notify_address="42")
    return service.file_petition(PetitionInput(description=text, location_text=location,
                                               contact=contact, **kw))


def petition(service, code) -> Petition:
    with session_scope(service.engine) as s:
        return s.exec(select(Petition).where(Petition.code == code)).one()


def test_only_the_filing_chat_judges_the_answer(service, officers):
    """Codes are public: another chat can neither close nor reopen the petition."""
    filed = file(service, filed_from=CITIZEN_CHAT)
    pid = petition(service, filed.code).id
    service.act(officers["kylua"], pid, "accept")
    service.act(officers["kylua"], pid, "answer", "Xã đã cho vá các ổ gà ngày 10/3.")
    for stranger in (ChatIdentity("telegram", "43"), ChatIdentity("zalo", "42")):
        for satisfied in (True, False):
            with pytest.raises(NotTheFiler):
                service.citizen_feedback(filed.code, satisfied, stranger)
    assert service.lookup(filed.code).status == "answered"
    assert service.citizen_feedback(filed.code, True, CITIZEN_CHAT).status == "closed"


def test_migrate_is_idempotent(config, service):
    filed = file(service)
    migrate(config.db_url)
    migrate(config.db_url)
    assert petition(service, filed.code).description == ROAD  # the second run keeps what is stored


def test_file_persists_routes_and_looks_up(service):
    filed = file(service)
    stored = petition(service, filed.code)
    assert stored.unit_id == "ubnd-phuong-ky-lua"  # old commune name, new unit
    assert stored.routing_reason and stored.routing_confidence > 0
    assert filed.expected_answer_date == stored.answer_due > stored.ack_due
    status = service.lookup(filed.code.lower())
    assert status.status == "received" and status.unit_name == "UBND phường Kỳ Lừa"
    with pytest.raises(NotFound):
        service.lookup("PA-2222222")


def test_procedure_agency_is_strong_evidence(service):
    filed = service.file_petition(PetitionInput(
        description="Hồ sơ của tôi đã quá hạn 5 ngày mà chưa có kết quả.",
        procedure=ProcedureHint(code="2.000592", name="Giải quyết khiếu nại về trợ giúp pháp lý",
                                field="Trợ giúp pháp lý", agency_id="so-tu-phap")))
    assert petition(service, filed.code).unit_id == "so-tu-phap"


@pytest.mark.parametrize("text", ["", "   ", "ok", "😀😀😀", "x" * 6000])
def test_bad_input_is_refused_clearly(service, text):
    with pytest.raises(FeedbackError) as err:
        service.file_petition(PetitionInput(description=text))
    assert "Bạn" in str(err.value)


def test_unclear_petition_goes_to_triage(service):
    filed = service.file_petition(PetitionInput(description="Tôi có ý kiến muốn gửi tới chính quyền."))
    assert petition(service, filed.code).unit_id == service.directory.triage_unit


def test_no_contact_without_consent(service):
    filed = service.file_petition(PetitionInput(
        description=ROAD, contact=Contact(consent=False, name="Lò Văn A", phone="0912345678")))
    stored = petition(service, filed.code)
    assert stored.contact_name is None and stored.contact_phone is None


def test_near_duplicates_are_linked(service):
    first = file(service)
    second = file(service, "Đường thôn Nà Lầy sụt lún, có nhiều ổ gà lớn, đi xe máy rất nguy hiểm!")
    other = file(service, "Mất điện cả ngày hôm nay ở khu phố.")
    assert second.duplicate_of == first.code
    assert other.duplicate_of is None
    assert service.lookup(second.code).duplicate_of == first.code


CITIZEN_CHAT = ChatIdentity("telegram", "42")


def test_lifecycle_answer_feedback_and_single_reopen(service, officers):
    filed = file(service, filed_from=CITIZEN_CHAT)
    pid = petition(service, filed.code).id
    officer = officers["kylua"]
    with pytest.raises(FeedbackError):
        service.act(officer, pid, "answer", "Đã sửa.")  # must accept first
    service.act(officer, pid, "accept")
    service.act(officer, pid, "answer", "Xã đã cho vá các ổ gà ngày 10/3.")
    status = service.lookup(filed.code)
    assert status.status == "answered" and status.can_reopen
    status = service.citizen_feedback(filed.code, False, CITIZEN_CHAT, comment="Mới vá một đoạn.")
    assert status.status == "accepted" and not status.can_reopen
    service.act(officer, pid, "answer", "Đã vá toàn tuyến.")
    with pytest.raises(FeedbackError):
        service.citizen_feedback(filed.code, False, CITIZEN_CHAT)
    assert service.citizen_feedback(filed.code, True, CITIZEN_CHAT).status == "closed"
    with session_scope(service.engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.petition_id == pid))]
    assert actions == ["file", "accept", "answer", "reopen", "answer", "satisfied"]


def test_role_limits_actions(service, officers):
    pid = petition(service, file(service).code).id
    with pytest.raises(FeedbackError):
        service.act(officers["kylua"], pid, "reject", "Không thuộc thẩm quyền")  # officers cannot
    service.act(officers["kylua_lead"], pid, "reject", "Đã có phản ánh khác về việc này")
    assert service.lookup(petition_code(service, pid)).status == "rejected"


def petition_code(service, pid) -> str:
    with session_scope(service.engine) as s:
        return s.get(Petition, pid).code


def test_other_units_cannot_touch_a_petition(service, officers):
    pid = petition(service, file(service).code).id
    for name in ("dongkinh", "dienluc", "dieuphoi"):
        with pytest.raises(NotFound):
            service.act(officers[name], pid, "accept")
    service.act(officers["quantri"], pid, "accept")  # admin sees every unit


def test_transfer_is_learned(service, officers):
    filed = service.file_petition(PetitionInput(
        description="Cột đèn ở chợ Kỳ Lừa bị nghiêng sắp đổ", location_text="phường Kỳ Lừa"))
    stored = petition(service, filed.code)
    lead = officers["quantri"]
    service.act(lead, stored.id, "transfer", "Cột thuộc lưới điện", to_unit="dien-luc-lang-son")
    with session_scope(service.engine) as s:
        weights = {(w.term, w.unit_id): w.weight for w in s.exec(select(RoutingWeight))}
    assert weights[("cot den", "dien-luc-lang-son")] > 0
    moved = petition(service, filed.code)
    assert moved.unit_id == "dien-luc-lang-son" and moved.routed_by == "quantri"


def test_a_status_change_queues_its_notice_in_the_same_transaction(service, officers, notices):
    filed = file(service)
    pid = petition(service, filed.code).id
    service.act(officers["kylua"], pid, "accept")
    [notice] = notices.queued
    assert (notice.kind, notice.code, notice.channel, notice.address) == ("accepted", filed.code, "telegram", "42")
    assert filed.code in notice.text and notice.due == petition(service, filed.code).answer_due
    notices.fail = True  # the notice cannot be stored: the change is not stored either
    with pytest.raises(ConnectionError):
        service.act(officers["kylua"], pid, "request_info", "Bạn cho biết số nhà cụ thể ở đâu?")
    assert petition(service, filed.code).status == "accepted"


def test_request_info_then_citizen_adds_it(service, officers):
    filed = file(service)
    pid = petition(service, filed.code).id
    service.act(officers["kylua"], pid, "request_info", "Bạn cho biết đoạn đường cụ thể.")
    assert service.lookup(filed.code).status == "info_requested"
    assert service.citizen_add_info(filed.code, "Đoạn gần nhà văn hóa thôn",
                                    receipt_key=filed.receipt_key).status == "accepted"
    assert "nhà văn hóa" in petition(service, filed.code).description
