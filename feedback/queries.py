"""Read-only views: officer queue and detail, dashboard figures, public and Open311 listings.

Officer queries always go through ``FeedbackService.visible`` so the unit boundary is enforced
here, in the query, not in templates or routes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, select

from feedback.auth import OfficerView
from feedback.db import session_scope
from feedback.deadlines import local_date, utcnow, working_days_between
from feedback.lifecycle import STATES
from feedback.models import Attachment, AuditEvent, Petition
from feedback.redact import redact
from feedback.service import FeedbackService, NotFound
from feedback.text import fold

HIDDEN_TEXT = "[Nội dung đã được ẩn do vi phạm quy định]"


@dataclass(frozen=True)
class QueueItem:
    petition: Petition
    overdue: bool
    due_soon: bool


def is_overdue(petition: Petition, today: date) -> bool:
    return not STATES[petition.status].handled and today > petition.answer_due


def queue(service: FeedbackService, officer: OfficerView, status: str | None = None,
          overdue_only: bool = False, limit: int = 200) -> list[QueueItem]:
    """The officer's unit's petitions, open ones first, earliest deadline first."""
    today = local_date(utcnow())
    with session_scope(service.engine) as session:
        query = select(Petition).where(service.visible(officer))
        if status in STATES:
            query = query.where(Petition.status == status)
        else:
            query = query.where(col(Petition.status).in_(
                [n for n, s in STATES.items() if not s.handled]))
        rows = session.exec(query.order_by(col(Petition.answer_due), col(Petition.id)).limit(limit))
        items = [QueueItem(p, is_overdue(p, today),
                           not is_overdue(p, today) and not STATES[p.status].handled
                           and working_days_between(today, p.answer_due) <= 2) for p in rows]
    return [i for i in items if i.overdue] if overdue_only else items


@dataclass(frozen=True)
class PetitionDetail:
    petition: Petition
    attachments: list[Attachment]
    history: list[AuditEvent]
    duplicates: list[Petition]
    original: Petition | None
    overdue: bool


def detail(service: FeedbackService, officer: OfficerView, petition_id: int) -> PetitionDetail:
    with session_scope(service.engine) as session:
        petition = service.get_for_officer(session, officer, petition_id)
        attachments = list(session.exec(select(Attachment).where(Attachment.petition_id == petition.id)))
        history = list(session.exec(select(AuditEvent).where(AuditEvent.petition_id == petition.id)
                                    .order_by(col(AuditEvent.id))))
        duplicates = list(session.exec(select(Petition).where(Petition.duplicate_of_id == petition.id)))
        original = session.get(Petition, petition.duplicate_of_id) if petition.duplicate_of_id else None
        return PetitionDetail(petition, attachments, history, duplicates, original,
                              is_overdue(petition, local_date(utcnow())))


def attachment_for_officer(service: FeedbackService, officer: OfficerView, attachment_id: int) -> Attachment:
    with session_scope(service.engine) as session:
        attachment = session.get(Attachment, attachment_id)
        if attachment is None:
            raise NotFound("Không tìm thấy ảnh.")
        service.get_for_officer(session, officer, attachment.petition_id)
        return attachment


@dataclass(frozen=True)
class UnitStats:
    unit_id: str
    unit_name: str
    total: int
    open: int
    overdue: int
    answered: int
    on_time: int
    avg_days: float | None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None


@dataclass(frozen=True)
class Dashboard:
    units: list[UnitStats]
    weekly: list[tuple[date, int]]  # petitions filed per week, oldest first

    @property
    def total(self) -> UnitStats:
        answered = sum(u.answered for u in self.units)
        days = [u.avg_days * u.answered for u in self.units if u.avg_days is not None]
        return UnitStats("", "Tổng", sum(u.total for u in self.units), sum(u.open for u in self.units),
                         sum(u.overdue for u in self.units), answered,
                         sum(u.on_time for u in self.units),
                         round(sum(days) / answered, 1) if answered else None)


def dashboard(service: FeedbackService, officer: OfficerView, weeks: int = 8) -> Dashboard:
    """Volumes, on-time rate, overdue and average handling time per unit the officer may see."""
    today = local_date(utcnow())
    by_unit: dict[str, list[Petition]] = defaultdict(list)
    with session_scope(service.engine) as session:
        rows = session.exec(select(Petition).where(service.visible(officer),
                                                   col(Petition.duplicate_of_id).is_(None)))
        for p in rows:
            by_unit[p.unit_id].append(p)
    stats = []
    weekly_counts: dict[date, int] = defaultdict(int)
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    for unit_id, petitions in by_unit.items():
        answered = [p for p in petitions if p.answered_at]
        on_time = [p for p in answered if local_date(p.answered_at) <= p.answer_due]
        durations = [(p.answered_at - p.created_at).total_seconds() / 86400 for p in answered]
        stats.append(UnitStats(
            unit_id, service.directory.name(unit_id), len(petitions),
            sum(1 for p in petitions if not STATES[p.status].handled),
            sum(1 for p in petitions if is_overdue(p, today)), len(answered), len(on_time),
            round(sum(durations) / len(durations), 1) if durations else None,
        ))
        for p in petitions:
            day = local_date(p.created_at)
            monday = day - timedelta(days=day.weekday())
            if monday >= start:
                weekly_counts[monday] += 1
    weekly = [(start + timedelta(weeks=i), weekly_counts.get(start + timedelta(weeks=i), 0))
              for i in range(weeks)]
    return Dashboard(sorted(stats, key=lambda s: (-s.overdue, -s.total)), weekly)


@dataclass(frozen=True)
class PublicItem:
    """A petition as the public sees it: redacted, no contact, no exact location beyond the commune."""

    code: str
    status: str
    status_label: str
    open311_status: str
    service_code: str | None
    service_name: str
    description: str
    answer: str | None
    status_note: str | None
    unit_name: str
    commune_name: str
    requested: datetime
    updated: datetime
    expected: date
    answered_on: date | None
    lat: float | None
    lon: float | None


def to_public(service: FeedbackService, p: Petition) -> PublicItem:
    directory = service.directory
    service_def = directory.services.get(p.service_code or "")
    state = STATES[p.status]
    commune = directory.get(p.commune_id)
    return PublicItem(
        code=p.code, status=p.status, status_label=state.label, open311_status=state.open311,
        service_code=p.service_code, service_name=service_def.name if service_def else "Khác",
        description=HIDDEN_TEXT if p.text_hidden else redact(p.description),
        answer=redact(p.answer) if p.answer else None,
        status_note=redact(p.status_note) if p.status_note and state.public else None,
        unit_name=directory.name(p.unit_id), commune_name=commune.ward if commune and commune.ward else "",
        requested=p.created_at, updated=p.updated_at, expected=p.answer_due,
        answered_on=local_date(p.answered_at) if p.answered_at else None,
        # Rounded to ~100 m: a point on a map should not single out a house.
        lat=round(p.lat, 3) if p.lat is not None else None,
        lon=round(p.lon, 3) if p.lon is not None else None,
    )


def public_list(service: FeedbackService, q: str = "", unit_id: str | None = None,
                commune_id: str | None = None, service_code: str | None = None,
                page: int = 1, per_page: int = 20) -> tuple[list[PublicItem], int]:
    """Resolved petitions, newest answer first; the text search runs on the redacted text."""
    public_states = [n for n, s in STATES.items() if s.public]
    with session_scope(service.engine) as session:
        query = select(Petition).where(col(Petition.status).in_(public_states),
                                       col(Petition.duplicate_of_id).is_(None))
        if unit_id:
            query = query.where(Petition.unit_id == unit_id)
        if commune_id:
            query = query.where(Petition.commune_id == commune_id)
        if service_code:
            query = query.where(Petition.service_code == service_code)
        rows = list(session.exec(query.order_by(col(Petition.answered_at).desc()).limit(2000)))
    items = [to_public(service, p) for p in rows]
    needle = fold(q)[:100]
    if needle:
        items = [i for i in items
                 if needle in fold(f"{i.description} {i.answer or ''} {i.unit_name} {i.commune_name}")]
    page = max(1, page)
    return items[(page - 1) * per_page: page * per_page], len(items)


def public_item(service: FeedbackService, code: str) -> PublicItem | None:
    """One resolved petition for the public page (None unless it is public)."""
    with session_scope(service.engine) as session:
        p = session.exec(select(Petition).where(Petition.code == code)).first()
        if p is None or not STATES[p.status].public or p.duplicate_of_id:
            return None
        return to_public(service, p)


def open311_requests(service: FeedbackService, codes: list[str] | None = None,
                     service_code: str | None = None, start: datetime | None = None,
                     end: datetime | None = None, status: str | None = None,
                     limit: int = 1000) -> list[PublicItem]:
    """Service requests for Open311 GET: every status but "rejected", redacted, newest first."""
    with session_scope(service.engine) as session:
        query = select(Petition).where(Petition.status != "rejected")
        if codes:
            query = query.where(col(Petition.code).in_(codes))
        else:
            default_start = utcnow() - timedelta(days=90)
            query = query.where(Petition.created_at >= (start or default_start))
        if service_code:
            query = query.where(Petition.service_code == service_code)
        if end:
            query = query.where(Petition.created_at <= end)
        if status in ("open", "closed"):
            names = [n for n, s in STATES.items() if s.open311 == status]
            query = query.where(col(Petition.status).in_(names))
        rows = list(session.exec(query.order_by(col(Petition.created_at).desc()).limit(limit)))
        return [to_public(service, p) for p in rows]
