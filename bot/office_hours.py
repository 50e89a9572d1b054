"""Whether the one-stop counters are open now, and when they next open (Vietnamese public
holidays excluded), so the bot can tell a citizen honestly when a person will answer."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Standard administrative hours; a province can differ (provinces/<slug>/agencies.yml says so).
SESSIONS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


def _working_day(day: datetime) -> bool:
    return day.weekday() < 5 and day.date() not in holidays.country_holidays("VN", years=day.year)


def is_open(now: datetime) -> bool:
    now = now.astimezone(VIETNAM)
    return _working_day(now) and any(start <= now.time() < end for start, end in SESSIONS)


def next_opening(now: datetime) -> datetime:
    """The next moment the counters open (now itself if they are open)."""
    now = now.astimezone(VIETNAM)
    if is_open(now):
        return now
    day = now
    for _ in range(30):
        if _working_day(day):
            for start, _end in SESSIONS:
                opening = day.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
                if opening > now:
                    return opening
        day = (day + timedelta(days=1)).replace(hour=0, minute=0)
    raise RuntimeError("no working day in the next 30 days")


def describe(moment: datetime) -> str:
    """E.g. "7:30 Thứ Hai 24/11"."""
    return f"{moment.hour}:{moment.minute:02d} {WEEKDAY_NAMES[moment.weekday()]} {moment:%d/%m}"
