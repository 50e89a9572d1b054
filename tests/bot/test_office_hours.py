from datetime import datetime

from bot.office_hours import VIETNAM, describe, is_open, next_opening


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM)


def test_open_during_sessions_on_a_working_day() -> None:
    assert is_open(at("2026-11-23T09:00"))  # Monday morning
    assert not is_open(at("2026-11-23T12:00"))  # lunch break
    assert not is_open(at("2026-11-22T09:00"))  # Sunday


def test_next_opening_skips_lunch_weekends_and_national_day() -> None:
    assert next_opening(at("2026-11-23T12:00")) == at("2026-11-23T13:30")
    assert next_opening(at("2026-11-21T10:00")) == at("2026-11-23T07:30")  # Saturday → Monday
    # 2 September is National Day (a Wednesday in 2026): the next opening is the 3rd.
    assert next_opening(at("2026-09-01T18:00")) == at("2026-09-03T07:30")
    assert describe(at("2026-11-23T07:30")) == "7:30 Thứ Hai 23/11"
