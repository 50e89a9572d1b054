"""Pure functions: tracking codes, working-day deadlines, redaction, scope, directory, location."""

from datetime import date

import pytest

from feedback import codes
from feedback.config import FeedbackConfig
from feedback.deadlines import add_working_days, is_working_day
from feedback.directory import load_directory
from feedback.location import resolve_location
from feedback.redact import redact
from feedback.scope import Scope, classify_scope

DIRECTORY = load_directory(FeedbackConfig("", "").units_file)


def test_codes_are_short_unambiguous_and_checked():
    code = codes.new_code()
    assert len(code) == 9 and code.startswith("PA-")
    assert not set(code[3:]) & set("01OILU")
    assert codes.normalise(code.lower().replace("-", " ")) == code
    body = code[3:]
    wrong_last = next(c for c in codes.ALPHABET if c != body[-1])
    assert codes.normalise("PA-" + body[:-1] + wrong_last) is None
    assert codes.normalise("") is None and codes.normalise("'; DROP TABLE petition;--") is None


def test_deadlines_skip_weekends_and_tet():
    assert not is_working_day(date(2026, 2, 17))  # Tết Bính Ngọ
    assert not is_working_day(date(2026, 9, 2))
    # Friday 13/02/2026 + 2 working days: Tết holiday week 16–20/02 is skipped.
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday → Monday


def test_redact_removes_personal_data():
    text = ("Tôi là Nguyễn Văn An, SĐT 0912 345 678, CCCD 020123456789, CMND 123456789, "
            "nhà số 12 ngõ 5 đường Bà Triệu, email an.nguyen@gmail.com, gọi +84 987654321")
    out = redact(text)
    for secret in ("Nguyễn Văn An", "0912 345 678", "020123456789", "123456789", "số 12",
                   "ngõ 5", "an.nguyen@gmail.com", "987654321"):
        assert secret not in out
    assert "đường Bà Triệu" in out  # street names are not people
    assert redact("bà con trong thôn rất bức xúc") == "bà con trong thôn rất bức xúc"
    assert redact("") == "" and redact(None) == ""


@pytest.mark.parametrize("text,scope", [
    ("Tôi muốn tố cáo cán bộ địa chính xã nhận hối lộ", Scope.DENUNCIATION),
    ("Tôi khiếu nại quyết định thu hồi đất của UBND", Scope.COMPLAINT),
    ("toi muon khieu nai quyet dinh xu phat", Scope.COMPLAINT),
    ("Đường hỏng, tôi không khiếu nại gì, chỉ phản ánh", Scope.PETITION),
    ("Đèn đường ở thôn không sáng", Scope.PETITION),
])
def test_scope_separates_complaints_and_denunciations(text, scope):
    result = classify_scope(text)
    assert result.scope == scope
    assert (result.guidance is None) == (scope == Scope.PETITION)


def test_directory_has_all_communes_and_known_ids():
    assert len(DIRECTORY.communes()) == 65
    for unit_id in ("so-tu-phap", "cong-an-tinh", "trung-tam-phvhcc-tinh", DIRECTORY.triage_unit):
        assert DIRECTORY.get(unit_id) is not None
    assert DIRECTORY.unit_for_agency_name("Công an cấp Tỉnh").id == "cong-an-tinh"


def test_old_place_names_map_to_new_communes():
    old = resolve_location("thị trấn Na Sầm, huyện Văn Lãng", DIRECTORY)
    assert old.unit_id == "ubnd-xa-na-sam" and "cũ" in old.note
    assert resolve_location("phường Kỳ Lừa", DIRECTORY).unit_id == "ubnd-phuong-ky-lua"
    district = resolve_location("huyện Hữu Lũng", DIRECTORY)
    assert district.unit_id is None and "ubnd-xa-huu-lung" in district.candidates
    assert resolve_location("", DIRECTORY).unit_id is None
    assert resolve_location("<script>alert(1)</script>" * 50, DIRECTORY).unit_id is None
