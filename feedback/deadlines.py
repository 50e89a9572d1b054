"""Deadlines in working days: weekends and Vietnamese public holidays do not count."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import holidays

VN_TZ = timezone(timedelta(hours=7))


def utcnow() -> datetime:
    """Aware UTC; sqlmodel's UTCDateTime stores it the same way on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc)


def to_vn(moment: datetime) -> datetime:
    """The moment in Vietnam time (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VN_TZ)


def local_date(moment: datetime) -> date:
    """The calendar date in Vietnam of a moment."""
    return to_vn(moment).date()


@lru_cache(maxsize=32)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a public holiday (Tết included)."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (the day of receipt does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end is not later)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
