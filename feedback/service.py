"""The feedback service: what the bot, the console, the public page and Open311 call.

Every write happens in one transaction with its audit event and its citizen notification, and is
committed before the caller tells anyone "received" (persist before acknowledge).
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, true
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from feedback import codes, notify, receipts
from feedback.auth import OfficerView
from feedback.config import FeedbackConfig
from feedback.db import read_scope, session_scope
from feedback.deadlines import add_working_days, local_date, utcnow
from feedback.directory import Directory
from feedback.duplicates import find_duplicate
from feedback.lifecycle import (
    ACTIONS, CITIZEN, MAX_REOPENS, NEW, STATES, SYSTEM, NotAllowed, action_allowed, next_state,
)
from feedback.location import resolve_location
from feedback.models import Attachment, AuditEvent, KeyAttempt, Petition
from feedback.receipts import ChatIdentity
from feedback.redact import redact
from feedback.routing.learning import learn_reroute, load_weights
from feedback.routing.router import ProcedureHint, Router
from feedback.validation import (
    MAX_DESCRIPTION_CHARS, MAX_LOCATION_CHARS, description_problem, info_problem,
)
from nlu.text import fold_words

log = logging.getLogger(__name__)

CHANNELS = ("chat", "telegram", "zalo", "web", "open311", "paper", "phone", "counter", "email")
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_KEY_FAILURES = 5  # wrong receipt keys from one client for one petition before it waits KEY_LOCK
# From all clients together: bounds guessing from many addresses (30^8 keys: 50 an hour would need
# over a million years) while a stranger alone cannot lock the citizen out.
MAX_PETITION_KEY_FAILURES = 50
KEY_LOCK = timedelta(hours=1)


class FeedbackError(ValueError):
    """A refused request, with a Vietnamese message safe to show to whoever asked."""


class NotFound(FeedbackError):
    """Unknown code or id — also what an officer of another unit gets (no existence leak)."""


class NotTheFiler(FeedbackError):
    """A chat that did not file the petition tries to add to it or judge its answer: said the
    same way whether the code exists or not, since codes are public."""


class WrongKey(FeedbackError):
    """The receipt key typed on the lookup page is wrong, or the petition has none."""


class KeyLocked(WrongKey):
    """Too many wrong receipt keys for this petition lately: none is checked for a while."""


NOT_THE_FILER = ("Thông tin bổ sung chỉ được nhận từ cuộc trò chuyện đã gửi phản ánh. Bạn bổ sung "
                 "trên trang tra cứu phản ánh bằng mã bí mật trên biên nhận, hoặc liên hệ bộ phận "
                 "một cửa nơi tiếp nhận.")
NOT_THE_FILER_VERDICT = ("Chỉ cuộc trò chuyện đã gửi phản ánh mới đánh giá hoặc mở lại được phản "
                         "ánh. Nếu cần, bạn liên hệ bộ phận một cửa nơi tiếp nhận.")
KEY_WRONG = ("Mã bí mật chưa đúng. Bạn xem lại mã 8 ký tự trên biên nhận (tin nhắn xác nhận khi "
             "gửi phản ánh) rồi nhập lại.")
KEY_LOCKED = ("Bạn đã nhập sai mã bí mật quá nhiều lần. Bạn thử lại sau 1 giờ, hoặc nhắn «Bổ sung "
              "{code}» trong cuộc trò chuyện đã gửi phản ánh, hoặc liên hệ bộ phận một cửa.")
NO_KEY = ("Phản ánh {code} được gửi trước khi có mã bí mật trên biên nhận. Bạn nhắn «Bổ sung "
          "{code}» kèm nội dung trong cuộc trò chuyện đã gửi phản ánh, hoặc liên hệ bộ phận "
          "một cửa.")


@dataclass(frozen=True)
class Contact:
    """How to reach the citizen; only stored when they consent."""

    consent: bool
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    notify_channel: str | None = None  # e.g. "telegram": the channel the petition came from
    notify_address: str | None = None  # the citizen's id on that channel


@dataclass(frozen=True)
class Photo:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class PetitionInput:
    """What a citizen (or an officer on their behalf) submits."""

    description: str
    location_text: str = ""
    channel: str = "chat"
    service_code: str | None = None
    procedure: ProcedureHint | None = None
    dossier_code: str | None = None
    level: str = "normal"
    contact: Contact | None = None
    photo: Photo | None = None
    lat: float | None = None
    lon: float | None = None
    filed_from: ChatIdentity | None = None  # the chat that files it: it may add information later


@dataclass(frozen=True)
class Filed:
    """The receipt: given to the citizen only after the commit. ``receipt_key`` exists here only
    (the database keeps its digest): show it once, never log it."""

    code: str
    expected_answer_date: date
    unit_name: str
    duplicate_of: str | None = None
    receipt_key: str = field(default="", repr=False)


@dataclass(frozen=True)
class PublicStatus:
    """What the citizen who holds the code may see."""

    code: str
    status: str
    status_label: str
    unit_name: str
    filed_on: date
    expected_answer_date: date
    answer: str | None
    status_note: str | None
    answered_on: date | None
    can_give_feedback: bool
    can_reopen: bool
    can_add_info: bool  # an officer asked for more information: status_note holds the question
    duplicate_of: str | None
    has_receipt_key: bool = False  # filed with a key: the lookup page can take added information


def _clean(text: str | None, limit: int) -> str:
    """Strip, drop control characters (not newlines), cap length."""
    text = (text or "").strip()
    text = "".join(c for c in text if c in "\n\t" or c.isprintable())
    return text[:limit]


def _is_filer(sealer: receipts.Sealer, petition: Petition | None, chat: ChatIdentity) -> bool:
    """Whether ``chat`` filed the petition. Petitions filed before owners were kept belong to the
    chat they notify, if any. An unknown code is checked against an empty digest, so every
    refusal costs the same."""
    stored = petition.owner_hash if petition is not None and petition.owner_hash else None
    filed = [sealer.matches(c, stored or receipts.UNMATCHABLE) for c in chat.candidates()]  # all: same time
    if petition is not None and petition.owner_hash is None and petition.notify_channel:
        notified = f"chat:{petition.notify_channel}:{petition.notify_address}".encode()
        filed = [hmac.compare_digest(c.encode(), notified) for c in chat.candidates()]
    return petition is not None and any(filed)


def _recent(failed_at: datetime | None, now: datetime) -> bool:
    return failed_at is not None and now - failed_at.replace(tzinfo=now.tzinfo) < KEY_LOCK


def _check_key(sealer: receipts.Sealer, session: Session, petition: Petition, typed: str,
               client: str, now: datetime) -> WrongKey | None:
    """None when ``typed`` is the petition's receipt key; otherwise the refusal, the wrong key
    counted for this client and for the petition. A client with MAX_KEY_FAILURES wrong keys, or a
    petition with MAX_PETITION_KEY_FAILURES from everyone, has none checked for KEY_LOCK."""
    if petition.receipt_key_hash is None:
        return WrongKey(NO_KEY.format(code=petition.code))
    tag = sealer.tag(client)
    attempt = session.get(KeyAttempt, (petition.id, tag))
    mine = attempt.failures if attempt is not None and _recent(attempt.failed_at, now) else 0
    everyone = petition.key_failures if _recent(petition.key_failed_at, now) else 0
    if mine >= MAX_KEY_FAILURES or everyone >= MAX_PETITION_KEY_FAILURES:
        return KeyLocked(KEY_LOCKED.format(code=petition.code))
    if sealer.matches(receipts.normalise_key(typed), petition.receipt_key_hash):
        petition.key_failures, petition.key_failed_at = 0, None
        session.execute(delete(KeyAttempt).where(col(KeyAttempt.petition_id) == petition.id))
        return None
    attempt = attempt or KeyAttempt(petition_id=petition.id, client=tag, failed_at=now)
    attempt.failures, attempt.failed_at = mine + 1, now
    petition.key_failures, petition.key_failed_at = everyone + 1, now
    session.add(attempt)
    if attempt.failures == MAX_KEY_FAILURES or petition.key_failures == MAX_PETITION_KEY_FAILURES:
        log.warning("petition %s takes no receipt key from %s for %s",
                    petition.id, "a client" if mine + 1 == MAX_KEY_FAILURES else "anyone", KEY_LOCK)
    return WrongKey(KEY_WRONG)


def _audit(session: Session, petition: Petition | None, actor: str, action: str, **kw) -> None:
    detail = kw.pop("detail", None)
    session.add(AuditEvent(
        petition_id=petition.id if petition else None, actor=actor, action=action,
        detail=json.dumps(detail, ensure_ascii=False) if detail else "", **kw,
    ))


class FeedbackService:
    """One instance per process; holds the engine, the directory and the config."""

    def __init__(self, engine: Engine, directory: Directory, config: FeedbackConfig,
                 notices: notify.NoticeQueue | None = None) -> None:
        self.engine = engine
        self.directory = directory
        self.config = config
        self.notices = notices or notify.NoNotices()  # the app passes the channels' outbox
        self.levels = {**config.levels, **directory.levels}
        self._keywords = Router(directory).keywords  # built once, not at every filing
        self.sealer = receipts.Sealer(config.secret_key)  # receipt keys and filers, as digests

    # ---- citizen side -------------------------------------------------------------------------

    def router(self, session: Session) -> Router:
        """A router with the weights learned so far."""
        return Router(self.directory, load_weights(session), self.config.triage_threshold,
                      self._keywords)

    def validate(self, inp: PetitionInput) -> str:
        """The cleaned description, or a FeedbackError telling the citizen what to fix."""
        text = _clean(inp.description, MAX_DESCRIPTION_CHARS + 1)
        problem = description_problem(text)
        if problem:
            raise FeedbackError(problem)
        if inp.channel not in CHANNELS:
            raise FeedbackError("Kênh tiếp nhận không hợp lệ.")
        if inp.level not in self.levels:
            raise FeedbackError("Mức độ không hợp lệ: chọn thông thường hoặc khẩn.")
        if inp.service_code and inp.service_code not in self.directory.services:
            raise FeedbackError("Loại phản ánh không có trong danh mục.")
        if inp.photo:
            self._check_photo(inp.photo)
        return text

    def _check_photo(self, photo: Photo) -> None:
        if photo.content_type not in PHOTO_TYPES:
            raise FeedbackError("Ảnh phải là JPEG, PNG hoặc WebP.")
        if len(photo.data) > self.config.max_photo_bytes:
            raise FeedbackError("Ảnh lớn quá 5 MB. Bạn gửi ảnh nhỏ hơn.")

    def file_petition(self, inp: PetitionInput, actor: str = "citizen") -> Filed:
        """Route, store and commit a petition; the returned receipt is safe to announce."""
        text = self.validate(inp)
        location_text = _clean(inp.location_text, MAX_LOCATION_CHARS)
        level = self.levels[inp.level]
        contact = inp.contact if inp.contact and inp.contact.consent else None
        now = utcnow()
        today = local_date(now)
        key = receipts.new_key()
        key_hash = self.sealer.digest(key)
        owner_hash = self.sealer.digest(inp.filed_from.owner()) if inp.filed_from else None
        for _ in range(5):  # retry on the rare tracking-code collision
            try:
                with session_scope(self.engine) as session:
                    location = resolve_location(location_text, self.directory)
                    decision = self.router(session).route(
                        text, location, inp.procedure, inp.service_code)
                    petition = Petition(
                        code=codes.new_code(), created_at=now, updated_at=now,
                        channel=inp.channel, service_code=inp.service_code, description=text,
                        location_text=location_text, commune_id=location.unit_id,
                        lat=inp.lat, lon=inp.lon,
                        procedure_code=_clean(inp.procedure.code, 32) if inp.procedure else None,
                        dossier_code=_clean(inp.dossier_code, 64) or None, level=level.name,
                        status=next_state("file", NEW, CITIZEN), unit_id=decision.unit_id,
                        routing_confidence=decision.confidence, routing_reason=decision.reason,
                        ack_due=add_working_days(today, level.ack_days),
                        answer_due=add_working_days(today, level.answer_days),
                        contact_name=_clean(contact.name, 200) or None if contact else None,
                        contact_phone=_clean(contact.phone, 32) or None if contact else None,
                        contact_email=_clean(contact.email, 200) or None if contact else None,
                        notify_channel=contact.notify_channel if contact else None,
                        notify_address=_clean(contact.notify_address, 200) or None if contact else None,
                        receipt_key_hash=key_hash, owner_hash=owner_hash,
                    )
                    since = now - timedelta(days=self.config.duplicate_window_days)
                    original = find_duplicate(session, text, location.unit_id, location_text, since)
                    if original is not None:
                        petition.status = next_state("merge", petition.status, SYSTEM)
                        petition.duplicate_of_id = original.id
                        petition.unit_id = original.unit_id
                        petition.answer_due = original.answer_due
                    session.add(petition)
                    session.flush()
                    if inp.photo:
                        session.add(Attachment(petition_id=petition.id,
                                               filename=_clean(inp.photo.filename, 200) or "anh",
                                               content_type=inp.photo.content_type,
                                               data=inp.photo.data))
                    _audit(session, petition, actor, "file", to_status=petition.status,
                           to_unit=petition.unit_id,
                           detail={"channel": inp.channel, "confidence": decision.confidence,
                                   "duplicate_of": original.code if original else None})
                    return Filed(petition.code, petition.answer_due,
                                 self.directory.name(petition.unit_id),
                                 original.code if original else None, key)
            except IntegrityError:
                continue
        raise FeedbackError("Hệ thống đang bận, bạn gửi lại sau ít phút.")

    def _by_code(self, session: Session, code: str, lock: bool = False) -> Petition:
        normal = codes.normalise(code)
        query = select(Petition).where(Petition.code == normal)
        # ``lock``: concurrent key checks of one petition take turns, so parallel guesses all count.
        query = query.with_for_update() if lock else query
        petition = session.exec(query).first() if normal else None
        if petition is None:
            raise NotFound("Không tìm thấy phản ánh với mã này. Bạn kiểm tra lại mã (dạng PA-XXXXXX).")
        return petition

    def _status(self, session: Session, petition: Petition) -> PublicStatus:
        shown = petition
        original_code = None
        if petition.duplicate_of_id:
            shown = session.get(Petition, petition.duplicate_of_id) or petition
            original_code = shown.code
        state = STATES[shown.status]
        # What the citizen may do follows the petition's own status: a merged duplicate shows the
        # original's answer but takes no verdict and no added information of its own.
        return PublicStatus(
            code=petition.code, status=shown.status, status_label=state.label,
            unit_name=self.directory.name(shown.unit_id), filed_on=local_date(petition.created_at),
            # Codes are public (Open311 lists them): whoever holds one sees redacted text only.
            expected_answer_date=shown.answer_due, answer=redact(shown.answer) or None,
            status_note=redact(shown.status_note) or None,
            answered_on=local_date(shown.answered_at) if shown.answered_at else None,
            can_give_feedback=action_allowed("satisfied", petition.status, CITIZEN)
            and petition.citizen_verdict is None,
            can_reopen=action_allowed("reopen", petition.status, CITIZEN)
            and petition.reopen_count < MAX_REOPENS,
            can_add_info=action_allowed("add_info", petition.status, CITIZEN),
            duplicate_of=original_code,
            has_receipt_key=petition.receipt_key_hash is not None,
        )

    def lookup(self, code: str) -> PublicStatus:
        """Status and answer for a tracking code (as in "Tra cứu phản ánh PA-7K3Q9M")."""
        with read_scope(self.engine) as session:
            return self._status(session, self._by_code(session, code))

    def citizen_feedback(self, code: str, satisfied: bool, chat: ChatIdentity,
                         comment: str = "") -> PublicStatus:
        """The citizen says whether the answer solved it; unsatisfied reopens it once. Only from
        the chat that filed it: codes are public, and a stranger must not close or reopen it."""
        comment = _clean(comment, 1000)
        with session_scope(self.engine) as session:
            petition = self._filed_by(session, code, chat, NOT_THE_FILER_VERDICT)
            status = self._status(session, petition)
            if not (status.can_give_feedback if satisfied else status.can_reopen):
                if satisfied or not status.can_give_feedback:
                    raise FeedbackError("Phản ánh này chưa có trả lời hoặc đã được đánh giá rồi.")
                raise FeedbackError("Phản ánh chỉ được mở lại một lần. Nếu vẫn chưa đồng ý, bạn có thể "
                                    "gửi khiếu nại theo Luật Khiếu nại.")
            action = "satisfied" if satisfied else "reopen"
            before = petition.status
            petition.status = next_state(action, before, CITIZEN)
            now = utcnow()
            if satisfied:
                petition.citizen_verdict = "satisfied"
                petition.closed_at = petition.closed_at or now
            else:
                level = self.levels.get(petition.level) or self.levels["normal"]
                petition.citizen_verdict = "reopened"
                petition.reopen_count += 1
                petition.answer_due = add_working_days(local_date(now), level.answer_days)
                petition.description += f"\n\n[Người dân mở lại {local_date(now):%d/%m/%Y}]: {comment}"
            petition.updated_at = now
            session.add(petition)
            _audit(session, petition, CITIZEN, action, from_status=before, to_status=petition.status)
            return self._status(session, petition)

    def status_for_filer(self, code: str, chat: ChatIdentity) -> PublicStatus:
        """The status, for the chat that filed the petition only: NotTheFiler for any other chat
        and for an unknown code alike; NotFound only for what is not a code at all."""
        with read_scope(self.engine) as session:
            return self._status(session, self._filed_by(session, code, chat))

    def _filed_by(self, session: Session, code: str, chat: ChatIdentity,
                  refusal: str = NOT_THE_FILER) -> Petition:
        if codes.normalise(code) is None:
            return self._by_code(session, code)  # raises NotFound: a typo, not a petition
        try:
            petition: Petition | None = self._by_code(session, code)
        except NotFound:
            petition = None
        if not _is_filer(self.sealer, petition, chat):
            raise NotTheFiler(refusal)
        return petition

    def citizen_add_info(self, code: str, text: str, photo: Photo | None = None,
                         channel: str = "web", *, chat: ChatIdentity | None = None,
                         receipt_key: str | None = None, client: str = "") -> PublicStatus:
        """The citizen answers an officer's request for information (text, a photo or both), from
        the chat that filed the petition (``chat``) or with its receipt key (the lookup page, from
        the ``client`` address whose wrong keys are counted); the petition goes back to the
        officer's queue in the state the lifecycle names."""
        text = _clean(text, MAX_DESCRIPTION_CHARS + 1)
        with session_scope(self.engine) as session:
            if chat is not None:
                return self._add_info(session, self._filed_by(session, code, chat), text, photo,
                                      channel, "chat")
            petition = self._by_code(session, code, lock=True)
            refused = _check_key(self.sealer, session, petition, receipt_key or "", client,
                                 utcnow())
            if refused is None:
                return self._add_info(session, petition, text, photo, channel, "receipt_key")
            session.add(petition)  # the wrong key counts: committed before the refusal
        raise refused

    def _add_info(self, session: Session, petition: Petition, text: str, photo: Photo | None,
                  channel: str, proof: str) -> PublicStatus:
        if not action_allowed("add_info", petition.status, CITIZEN):
            raise FeedbackError(
                f"Phản ánh {petition.code} không chờ bổ sung thông tin (hiện: "
                f"{STATES[petition.status].label.lower()}). Bạn tra cứu mã này để xem tiến độ.")
        problem = info_problem(text, photo is not None)
        if problem:
            raise FeedbackError(problem)
        if photo is not None:
            self._check_photo(photo)
        before = petition.status
        now = utcnow()
        attachment = None
        if photo is not None:
            attachment = Attachment(petition_id=petition.id, content_type=photo.content_type,
                                    filename=_clean(photo.filename, 200) or "anh", data=photo.data)
            session.add(attachment)
            session.flush()
        shown = text or "(ảnh)"
        petition.description += f"\n\n[Người dân bổ sung {local_date(now):%d/%m/%Y}]: {shown}"
        petition.status = next_state("add_info", before, CITIZEN)
        petition.status_note = None  # the question is answered; the audit keeps it
        petition.updated_at = now
        session.add(petition)
        _audit(session, petition, CITIZEN, "add_info", from_status=before,
               to_status=petition.status,
               detail={"text": text, "channel": channel if channel in CHANNELS else "web",
                       "proof": proof, "attachment_id": attachment.id if attachment else None})
        return self._status(session, petition)

    # ---- officer side ---------------------------------------------------------------------------

    def visible(self, officer: OfficerView):
        """The query condition limiting an officer to their unit's petitions (admins: all)."""
        return true() if officer.sees_all_units else Petition.unit_id == officer.unit_id

    def get_for_officer(self, session: Session, officer: OfficerView, petition_id: int) -> Petition:
        """The petition if this officer may see it; NotFound otherwise, exactly as for a bad id."""
        petition = session.exec(
            select(Petition).where(Petition.id == petition_id, self.visible(officer))
        ).first()
        if petition is None:
            raise NotFound("Không tìm thấy phản ánh này trong đơn vị của bạn.")
        return petition

    def act(self, officer: OfficerView, petition_id: int, action: str, text: str = "",
            to_unit: str | None = None) -> Petition:
        """Apply a lifecycle action; checks role, status, visibility and required text."""
        spec = ACTIONS.get(action)
        if spec is None:
            raise FeedbackError("Thao tác không hợp lệ.")
        text = _clean(text, self.config.max_text_chars)
        with session_scope(self.engine) as session:
            petition = self.get_for_officer(session, officer, petition_id)
            try:
                to_status = next_state(action, petition.status, officer.role)
            except NotAllowed:
                raise FeedbackError(
                    f"Không thể “{spec.label}” khi phản ánh đang ở trạng thái "
                    f"“{STATES[petition.status].label}” hoặc vai trò của bạn không có quyền này."
                ) from None
            if spec.needs_text and len(fold_words(text)) < 3:
                raise FeedbackError(f"Bạn cần nhập: {spec.text_label.lower()}.")
            before_status, before_unit = petition.status, petition.unit_id
            now = utcnow()
            if action == "transfer":
                self._transfer(session, petition, officer, to_unit, text)
            elif action == "answer":
                petition.answer = text
                petition.answered_at = now
                petition.status_note = None
                petition.citizen_verdict = None  # a new answer asks for a new verdict
            elif action in ("request_info", "reject"):
                petition.status_note = text
            if action == "accept":
                petition.acknowledged_at = petition.acknowledged_at or now
            if action == "close":
                petition.closed_at = now
            petition.status = to_status
            petition.updated_at = now
            session.add(petition)
            _audit(session, petition, officer.username, action, from_status=before_status,
                   to_status=petition.status, from_unit=before_unit, to_unit=petition.unit_id,
                   detail={"text": text} if text else None)
            self._notify_change(session, petition, action)
            return petition

    def _transfer(self, session: Session, petition: Petition, officer: OfficerView,
                  to_unit: str | None, reason: str) -> None:
        if not to_unit or self.directory.get(to_unit) is None:
            raise FeedbackError("Bạn chọn đơn vị nhận trong danh sách.")
        if to_unit == petition.unit_id:
            raise FeedbackError("Phản ánh đang ở chính đơn vị này.")
        learn_reroute(session, self.directory, petition.description, petition.unit_id, to_unit)
        petition.routing_reason = (f"Chuyển bởi {officer.full_name} "
                                   f"({self.directory.name(petition.unit_id)}): {reason}")
        petition.routed_by = officer.username
        petition.unit_id = to_unit
        for dup in session.exec(select(Petition).where(Petition.duplicate_of_id == petition.id)):
            dup.unit_id = to_unit
            session.add(dup)

    def _notify_change(self, session: Session, petition: Petition, action: str) -> None:
        kind = notify.NOTICE_KINDS.get(action)
        if kind is None:
            return
        unit = self.directory.name(petition.unit_id)
        messages = {
            "accept": f"Phản ánh {{code}} đã được {unit} thụ lý, hạn trả lời {petition.answer_due:%d/%m/%Y}.",
            "request_info": f"{unit} cần bạn bổ sung cho phản ánh {{code}}: {petition.status_note} "
                            "Bạn trả lời bằng cách nhắn “Bổ sung {code}” kèm nội dung (có ảnh thì "
                            "gửi ảnh với chú thích đó), hoặc trên trang tra cứu phản ánh với "
                            "mã bí mật trên biên nhận.",
            "transfer": f"Phản ánh {{code}} đã được chuyển đến {unit} để xử lý.",
            "reject": f"Phản ánh {{code}} không được thụ lý. Lý do: {petition.status_note}",
            "answer": f"Phản ánh {{code}} đã có trả lời của {unit}: {petition.answer} "
                      "Bạn cho biết câu trả lời đã giải quyết được chưa bằng “Tra cứu phản ánh {code}”.",
        }
        told = [petition]
        if action in ("answer", "reject"):
            told += session.exec(select(Petition).where(Petition.duplicate_of_id == petition.id))
        for citizen in told:
            self.notices.queue(session, notify.Notice(
                kind=kind, code=citizen.code, text=messages[action].replace("{code}", citizen.code),
                channel=citizen.notify_channel, address=citizen.notify_address,
                phone=citizen.contact_phone, unit=unit, status=STATES[petition.status].label,
                due=petition.answer_due, on=local_date(utcnow()),
            ))

    def moderate(self, officer: OfficerView, petition_id: int, hide: bool, reason: str,
                 attachment_id: int | None = None) -> None:
        """Hide (or show again) the text or a photo; the content is kept, the history audited."""
        reason = _clean(reason, 500)
        if len(fold_words(reason)) < 3:
            raise FeedbackError("Bạn cần nhập lý do ẩn/hiện nội dung.")
        with session_scope(self.engine) as session:
            petition = self.get_for_officer(session, officer, petition_id)
            if attachment_id is None:
                petition.text_hidden = hide
                session.add(petition)
                target = "text"
            else:
                attachment = session.get(Attachment, attachment_id)
                if attachment is None or attachment.petition_id != petition.id:
                    raise NotFound("Không tìm thấy ảnh này.")
                attachment.hidden = hide
                session.add(attachment)
                target = f"photo:{attachment_id}"
            _audit(session, petition, officer.username, "hide" if hide else "unhide",
                   detail={"target": target, "reason": reason})
