"""Read-only views: officer queue and detail, dashboard figures, public and Open311 listings.

Officer queries always go through ``FeedbackService.visible`` so the unit boundary is enforced
here, in the query, not in templates or routes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, tuple_
from sqlmodel import col, select

from feedback import search
from feedback.auth import OfficerView
from feedback.db import read_scope
from feedback.deadlines import local_date, utcnow, working_days_between
from feedback.lifecycle import STATES
from feedback.models import Attachment, AuditEvent, Petition
from feedback.service import FeedbackService, NotFound
from nlu.text import fold_words


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
    with read_scope(service.engine) as session:
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
    with read_scope(service.engine) as session:
        petition = service.get_for_officer(session, officer, petition_id)
        attachments = list(session.exec(select(Attachment).where(Attachment.petition_id == petition.id)))
        history = list(session.exec(select(AuditEvent).where(AuditEvent.petition_id == petition.id)
                                    .order_by(col(AuditEvent.id))))
        duplicates = list(session.exec(select(Petition).where(Petition.duplicate_of_id == petition.id)))
        original = session.get(Petition, petition.duplicate_of_id) if petition.duplicate_of_id else None
        return PetitionDetail(petition, attachments, history, duplicates, original,
                              is_overdue(petition, local_date(utcnow())))


def attachment_for_officer(service: FeedbackService, officer: OfficerView, attachment_id: int) -> Attachment:
    with read_scope(service.engine) as session:
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
    with read_scope(service.engine) as session:
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


# Public reads select these columns only: the redacted ones, never the description or a contact.
PUBLIC_COLUMNS = (
    Petition.id, Petition.code, Petition.status, Petition.service_code, Petition.public_description,
    Petition.public_answer, Petition.public_note, Petition.unit_id, Petition.commune_id,
    Petition.created_at, Petition.updated_at, Petition.answer_due, Petition.answered_at,
    Petition.lat, Petition.lon, Petition.listed_at,
)
COUNT_CAP = 1000  # the list says "more than 1,000" rather than counting a million rows


def to_public(service: FeedbackService, row) -> PublicItem:
    """A row of ``PUBLIC_COLUMNS`` as the public sees it (the text was redacted when written)."""
    directory = service.directory
    service_def = directory.services.get(row.service_code or "")
    state = STATES[row.status]
    commune = directory.get(row.commune_id)
    return PublicItem(
        code=row.code, status=row.status, status_label=state.label, open311_status=state.open311,
        service_code=row.service_code, service_name=service_def.name if service_def else "Khác",
        description=row.public_description, answer=row.public_answer,
        status_note=row.public_note if state.public else None,
        unit_name=directory.name(row.unit_id), commune_name=commune.ward if commune and commune.ward else "",
        requested=row.created_at, updated=row.updated_at, expected=row.answer_due,
        answered_on=local_date(row.answered_at) if row.answered_at else None,
        # Rounded to ~100 m: a point on a map should not single out a house.
        lat=round(row.lat, 3) if row.lat is not None else None,
        lon=round(row.lon, 3) if row.lon is not None else None,
    )


@dataclass(frozen=True)
class PublicPage:
    """One page of a keyset-paginated list; ``next_cursor`` is None on the last page."""

    items: list[PublicItem]
    next_cursor: str | None
    total: int | None  # capped at COUNT_CAP + 1 ("more than COUNT_CAP"); None when not counted


_CURSOR = re.compile(r"(\d{1,20})-(\d{1,19})")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def encode_cursor(moment: datetime, pid: int) -> str:
    """``<microseconds since 1970 UTC>-<id>``: opaque to users, stable under new inserts."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return f"{(aware - _EPOCH) // timedelta(microseconds=1)}-{pid}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (moment, id) a cursor stands for, or None for a missing or malformed one."""
    match = _CURSOR.fullmatch(cursor or "")
    if not match:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(match[1])), int(match[2])
    except OverflowError:
        return None


def _keyset(query, key, cursor: str | None, per_page: int):
    """Rows after the cursor in (key, id) descending order, one extra to know if a page follows."""
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(tuple_(key, Petition.id) < after)
    return query.order_by(key.desc(), col(Petition.id).desc()).limit(per_page + 1)


def _page(service: FeedbackService, rows: list, key: str, per_page: int, total: int | None) -> PublicPage:
    more = len(rows) > per_page
    rows = rows[:per_page]
    cursor = encode_cursor(getattr(rows[-1], key), rows[-1].id) if more else None
    return PublicPage([to_public(service, r) for r in rows], cursor, total)


def public_list(service: FeedbackService, q: str = "", unit_id: str | None = None,
                commune_id: str | None = None, service_code: str | None = None,
                cursor: str | None = None, per_page: int = 20) -> PublicPage:
    """Listed (resolved, not merged) petitions, newest first, a keyset page at a time; ``q`` finds
    words starting so in the redacted text (``feedback.search``)."""
    conditions = [col(Petition.listed_at).is_not(None)]
    if unit_id:
        conditions.append(Petition.unit_id == unit_id)
    if commune_id:
        conditions.append(Petition.commune_id == commune_id)
    if service_code:
        conditions.append(Petition.service_code == service_code)
    needle = fold_words(q)[:100]
    counted = True
    with read_scope(service.engine) as session:
        if needle:
            ids = search.listed_hits(session.connection(), needle, COUNT_CAP)
            counted = ids is not None
            conditions.append(col(Petition.id).in_(ids) if counted else search.matches(needle))
        rows = list(session.exec(_keyset(select(*PUBLIC_COLUMNS).where(*conditions),
                                          col(Petition.listed_at), cursor, per_page)))
        # Counting stops past COUNT_CAP; a common search is not counted at all (it could scan
        # the whole list to find where its matches end).
        total = None
        if counted:
            total = session.exec(select(func.count()).select_from(
                select(Petition.id).where(*conditions).limit(COUNT_CAP + 1).subquery())).one()
    return _page(service, rows, "listed_at", per_page, total)


def public_item(service: FeedbackService, code: str) -> PublicItem | None:
    """One listed petition for the public page (None unless it is listed)."""
    with read_scope(service.engine) as session:
        row = session.exec(select(*PUBLIC_COLUMNS).where(
            Petition.code == code, col(Petition.listed_at).is_not(None))).first()
        return to_public(service, row) if row else None


def open311_requests(service: FeedbackService, codes: list[str] | None = None,
                     service_code: str | None = None, start: datetime | None = None,
                     end: datetime | None = None, status: str | None = None,
                     limit: int = 1000, cursor: str | None = None) -> PublicPage:
    """Service requests for Open311 GET: every status but "rejected", redacted, newest first, a
    keyset page of ``limit`` at a time."""
    query = select(*PUBLIC_COLUMNS).where(Petition.status != "rejected")
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
    with read_scope(service.engine) as session:
        rows = list(session.exec(_keyset(query, col(Petition.created_at), cursor, limit)))
    return _page(service, rows, "created_at", limit, len(rows))
