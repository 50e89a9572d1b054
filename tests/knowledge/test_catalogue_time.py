"""Time limits of real records that are not one figure: the kind, and the values read from the text."""

from __future__ import annotations

from collections import Counter

from knowledge.catalogue.build import build_procedure
from knowledge.catalogue.card import render_card
from knowledge.catalogue.codec import from_dict, to_dict
from knowledge.catalogue.parse_time import borrow_unit, limit_units, parse_time_limit
from knowledge.catalogue.report import _time_parsed, summary
from knowledge.catalogue.sources import RawRecord
from knowledge.procedure import CaseTime, ChannelKind, Procedure, TimeLimitKind

ONLINE, IN_PERSON = ChannelKind.ONLINE, ChannelKind.IN_PERSON
WORKING_DAYS = "ngày làm việc"


def test_new_and_renewed_licence_by_case_from_the_note(catalogue):
    # cell "Không có thông tin"; note "28 ngày làm việc (đối với trường hợp cấp mới), 02 ngày làm
    # việc (đối với trường hợp cấp lại) kể từ ngày nhận được hồ sơ đầy đủ, hợp lệ theo quy định"
    for channel in catalogue["1.003361"].channels:
        limit = channel.time_limit
        assert limit.kind is TimeLimitKind.BY_CASE and limit.value is None
        assert limit.cases == (CaseTime("cấp mới", 28, WORKING_DAYS),
                               CaseTime("cấp lại", 2, WORKING_DAYS))
        assert limit.text == channel.description
        assert str(limit) == ("thời hạn tuỳ trường hợp (cấp mới 28 ngày làm việc; "
                              "cấp lại 2 ngày làm việc)")


def test_cases_named_before_their_durations(catalogue):
    # "Đối với trường hợp cấp Giấy xác nhận là 08 ngày làm việc kể từ …; trường hợp cấp lại Giấy
    # xác nhận là 05 ngày làm việc kể từ …"
    limit = catalogue["1.014834"].channel(ONLINE).time_limit
    assert limit.kind is TimeLimitKind.BY_CASE
    assert limit.cases == (CaseTime("cấp Giấy xác nhận", 8, WORKING_DAYS),
                           CaseTime("cấp lại Giấy xác nhận", 5, WORKING_DAYS))


def test_two_stages_without_names_kept_as_written(catalogue):
    # "Thời hạn giải quyết: 02 ngày làm việc và 45 ngày.\nTại Bộ phận Một cửa …"
    limit = catalogue["3.000540"].channel(IN_PERSON).time_limit
    assert limit.kind is TimeLimitKind.BY_STAGE
    assert limit.cases == (CaseTime("", 2, WORKING_DAYS), CaseTime("", 45, "ngày"))
    assert limit.text == "Thời hạn giải quyết: 02 ngày làm việc và 45 ngày."
    assert str(limit) == "thời hạn 2 ngày làm việc và 45 ngày"


def test_lettered_stages(catalogue):
    # "a) Thông báo Phương án …: 02 ngày làm việc kể từ …; b) Thẩm định hồ sơ và trình Chủ tịch
    # Ủy ban nhân dân cấp xã xem xét, quyết định: 33 ngày làm việc."
    limit = catalogue["1.003956"].channel(ONLINE).time_limit
    assert limit.kind is TimeLimitKind.BY_STAGE
    assert [(c.value, c.unit) for c in limit.cases] == [(2, WORKING_DAYS), (33, WORKING_DAYS)]
    assert limit.cases[0].label == "Thông báo Phương án bảo vệ và khai thác nguồn lợi thủy sản"
    assert limit.cases[1].label.startswith("Thẩm định hồ sơ và trình Chủ tịch")


def test_mineral_licence_stages_leave_out_the_extension_in_brackets(catalogue):
    # "- Thời hạn thẩm định hồ sơ: 70 ngày, kể từ … (trường hợp hồ sơ cần chỉnh sửa, bổ sung, …
    # được tăng thêm 21 ngày làm việc);"
    limit = catalogue["1.014261"].channels[0].time_limit
    assert limit.kind is TimeLimitKind.BY_STAGE
    assert limit.cases == (
        CaseTime("tiếp nhận và kiểm tra hồ sơ", 3, WORKING_DAYS),
        CaseTime("thẩm định hồ sơ", 70, "ngày"),
        CaseTime("xem xét, quyết định", 5, WORKING_DAYS),
        CaseTime("trả kết quả", 2, WORKING_DAYS),
    )
    assert limit.text.startswith("- Thời hạn tiếp nhận và kiểm tra hồ sơ: 03 ngày làm việc")


def test_a_stage_without_a_limit_is_kept(catalogue):
    # "- Thời hạn tiếp nhận, thẩm định hồ sơ: Không quy định.\n- Thời hạn xem xét, quyết định phê
    # duyệt: 05 ngày làm việc, …\n- Thời hạn trả kết quả giải quyết: 02 ngày làm việc, …"
    limits = [c.time_limit for c in catalogue["1.014278"].channels]
    limit = next(t for t in limits if t.cases and t.cases[0].value is None)
    assert limit.cases[0] == CaseTime("tiếp nhận, thẩm định hồ sơ", None, None)
    assert [c.value for c in limit.cases[1:]] == [5, 2]


def test_nested_or_unlabelled_notes_stay_unread(catalogue):
    # 1.014257: four "+ Trường hợp …" headings, each over its own stages; 1.004498: "b) Đối với
    # trường hợp …: - Thông báo …: 02 ngày …; - Thẩm định …: 33 ngày"; 1.004683: two stages of
    # "08 ngày làm việc" with nothing naming them before.
    for code in ("1.014257", "1.004498", "1.004683"):
        channels = catalogue[code].channels
        assert channels and all(c.time_limit is None for c in channels), code


def test_dates_and_thresholds_are_not_durations(catalogue):
    # "Chậm nhất vào ngày 20 tháng đầu tiên hàng quý" is a date, not "20 tháng"
    assert catalogue["1.000221"].channel(ONLINE).time_limit is None
    # "lưu lại tại cảng quá 24 giờ … phải làm lại thủ tục" is not a time limit
    assert catalogue["1.003934"].channel(ONLINE).time_limit is None


def test_not_set_by_law_in_the_cell(catalogue):
    # "Trực tuyếnKhông quy địnhMiễn phí…"
    for channel in catalogue["1.008312"].channels:
        limit = channel.time_limit
        assert (limit.kind, limit.text, limit.value) == (TimeLimitKind.NOT_SET, "Không quy định", None)
        assert str(limit) == "không quy định thời hạn"


def test_not_set_stated_in_the_note_of_an_empty_cell(catalogue):
    # cell "Không có thông tin"; note "Không quy định thời hạn giải quyết, phí, lệ phí"
    limit = catalogue["6.003500"].channel(ONLINE).time_limit
    assert (limit.kind, limit.text) == (TimeLimitKind.NOT_SET, "Không quy định thời hạn giải quyết")


def test_words_that_state_no_limit_are_a_rule(catalogue):
    limit = catalogue["1.007689"].channel(ONLINE).time_limit
    assert limit.kind is TimeLimitKind.RULE and limit.value is None
    assert limit.text == "Không phải trả kết quả cho người nộp thuế"
    assert str(limit) == "thời hạn: «Không phải trả kết quả cho người nộp thuế»"
    # "Thời hạn giải quyết: theo Quy chế làm việc của Chính phủ." in the note of an empty cell
    rule = catalogue["5.002546"].channel(ONLINE).time_limit
    assert (rule.kind, rule.text) == (TimeLimitKind.RULE, "theo Quy chế làm việc của Chính phủ")


def test_deadline_in_words(catalogue):
    limit = catalogue["1.013577"].channel(IN_PERSON).time_limit
    assert (limit.kind, limit.text) == (TimeLimitKind.DEADLINE,
                                        "Chậm nhất là ngay trước khi tàu rời cảng")


def test_range_borrows_its_unit_from_the_note_and_stays_a_rule(catalogue):
    # cell "10-25", note "10-25 ngày kể từ ngày nhận được hồ sơ hợp lệ."
    limit = catalogue["1.013629"].channel(IN_PERSON).time_limit
    assert (limit.kind, limit.text) == (TimeLimitKind.RULE, "10-25 ngày")


def test_bare_number_and_empty_cells_keep_their_reading():
    bare = parse_time_limit("1")
    assert (bare.kind, bare.value, bare.unit) == (TimeLimitKind.DURATION, 1, None)
    assert parse_time_limit("", "Tại Trung tâm phục vụ hành chính công cấp tỉnh, xã") is None
    assert parse_time_limit("Không có thông tin", "15 ngày làm việc kể từ ngày nhận hồ sơ").value == 15
    # the figure spelt out in brackets
    assert parse_time_limit("", "Trong thời hạn 15 (mười lăm) ngày kể từ …").value == 15


def test_report_counts_kinds_per_channel(catalogue):
    figures = summary(catalogue.values())
    kinds = [k for k in figures if k.startswith("channels_time_")]
    assert sum(figures[k] for k in kinds) == figures["channels"]
    assert figures["channels_time_by_case"] >= 9 and figures["channels_time_not_set"] >= 45
    # a rule that states no limit is not counted as a parsed time limit
    assert not _time_parsed(catalogue["1.007689"])
    assert _time_parsed(catalogue["1.013577"]) and _time_parsed(catalogue["1.003361"])


def test_codec_round_trip_and_rows_stored_before_kinds(catalogue):
    procedure = catalogue["1.003361"]
    assert from_dict(to_dict(procedure)) == procedure
    old = to_dict(catalogue["1.008312"])
    for channel in old["channels"]:
        channel["time_limit"] = {"value": None, "unit": None, "text": "Không quy định"}
    assert from_dict(old).channels[0].time_limit.kind is TimeLimitKind.NOT_SET
    old["channels"][0]["time_limit"] = {"value": 7.0, "unit": WORKING_DAYS, "text": "7 Ngày làm việc"}
    limit = from_dict(old).channels[0].time_limit
    assert (limit.kind, limit.value, str(limit)) == (TimeLimitKind.DURATION, 7.0, "7 ngày làm việc")


def test_card_says_what_kind_of_limit(catalogue):
    card = render_card(catalogue["1.003361"])
    assert ("Trực tuyến: thời hạn tuỳ trường hợp (cấp mới 28 ngày làm việc; cấp lại 2 ngày làm "
            "việc); phí, lệ phí: Miễn phí") in card
    assert "Trực tuyến: không quy định thời hạn; phí, lệ phí" in render_card(catalogue["1.008312"])


# --- a bare figure's unit, taken from the procedure's own text ---------------------------------

HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
UNITLESS = "danh mục chỉ ghi số, không ghi ngày, giờ hay tháng"


def _built(channels: str, steps: str = "", conditions: str = "") -> Procedure:
    """A synthetic portal record, built the way the shipped ones are."""
    raw = RawRecord(source="dichvucong", code="T.000001", name="Thủ tục thử",
                    channels_text=HEADER + channels, steps=steps, conditions=conditions)
    return build_procedure(raw)


def _units(procedure: Procedure) -> list[tuple[float | None, str | None, str | None]]:
    return [(c.time_limit.value, c.time_limit.unit, c.time_limit.unit_source)
            for c in procedure.channels]


def test_fishing_inspector_card_takes_working_days_from_the_steps(catalogue):
    # cells "Trực tuyến7Miễn phí…"; steps "c) Trong thời hạn 07 ngày làm việc kể từ ngày nhận được
    # hồ sơ đầy đủ, hợp lệ, Cơ quan quản lý nhà nước về thủy sản … xem xét quyết định cấp thẻ"
    # (the same steps time a sub-step "trả lời tính đầy đủ của hồ sơ trong 01 ngày làm việc")
    for channel in catalogue["1.003755"].channels:
        limit = channel.time_limit
        assert (limit.text, limit.value, limit.unit, limit.unit_source) == (
            "7", 7, WORKING_DAYS, "steps")
        assert limit.clause() == "thời hạn 7 ngày làm việc" and not limit.unitless


def test_another_channels_cell_lends_its_unit(catalogue):
    # "Trực tuyến1 Ngày làm việcMiễn phíTrực tiếp1Miễn phí"
    limit = catalogue["1.011042"].channel(IN_PERSON).time_limit
    assert (limit.text, limit.unit, limit.unit_source) == ("1", WORKING_DAYS, "other_channel")
    assert catalogue["1.011042"].channel(ONLINE).time_limit.unit_source is None
    # "Trực tuyến220 VNĐ(…)Trực tiếp2 GiờMiễn phí": the online "2" is 2 hours
    assert str(catalogue["1.007857"].channel(ONLINE).time_limit) == "2 giờ"


def test_sub_steps_do_not_lend_their_unit(catalogue):
    # nationality: the only "01 ngày làm việc" is "không quá 01 ngày làm việc kể từ khi nhận được hồ
    # sơ, cơ quan thụ lý có văn bản … để bổ sung, hoàn thiện hồ sơ" — not the months it takes
    # legal aid: "gửi Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ … trong thời hạn không quá 01 ngày làm
    # việc"; birth registration: the record never writes "01 ngày"
    for code in ("1.004757", "2.000829", "1.001193"):
        for channel in catalogue[code].channels:
            limit = channel.time_limit
            assert (limit.value, limit.unit, limit.unit_source) == (1, None, None), code
            assert limit.clause() == f"thời hạn 1 ({UNITLESS})"


def test_conditions_that_are_not_time_limits_lend_nothing(catalogue):
    # conditions "d) Sau thời hạn 01 năm kể từ ngày quyết định của Sở Tư pháp …"
    channels = catalogue["1.013808"].channels
    assert channels and all(c.time_limit.unitless for c in channels)


def test_bare_figures_before_and_after_borrowing(catalogue):
    # measured on the shipped catalogue: 861 channels (357 procedures) had a bare figure before
    # units were borrowed; 214 channels took one, all from a time-limit phrase
    limits = [c.time_limit for p in catalogue.values() for c in p.channels if c.time_limit]
    sources = Counter(limit.unit_source for limit in limits if limit.unit_source)
    assert sum(limit.unitless for limit in limits) + sum(sources.values()) == 861
    assert sources["steps"] >= 200 and sources["other_channel"] >= 2
    assert sum(limit.unitless for limit in limits) <= 650
    assert set(sources) <= {"note", "other_channel", "steps", "other_note", "conditions", "result"}


def test_unit_from_a_time_limit_phrase_in_the_steps():
    p = _built("Trực tuyến7Miễn phíTrực tiếp7Miễn phí",
               steps="b) Trong thời hạn 07 ngày làm việc kể từ ngày nhận được hồ sơ hợp lệ, Sở cấp "
                     "giấy phép.")
    assert _units(p) == [(7, WORKING_DAYS, "steps")] * 2
    # "01 (một) ngày" and "không quá" / "chậm nhất là" count as time-limit phrases too
    p = _built("Trực tiếp1Miễn phí", steps="Cơ quan trả kết quả chậm nhất là 01 (một) ngày.")
    assert _units(p) == [(1, "ngày", "steps")]


def test_the_time_limit_phrase_wins_over_other_uses_of_the_figure():
    # "Sau thời hạn 01 năm" (a waiting period) and "01 tháng một lần" are no time limit
    p = _built("Trực tiếp1Miễn phí",
               steps="Sau thời hạn 01 năm kể từ ngày bị thu hồi, người đó được nộp lại hồ sơ. "
                     "Báo cáo 01 tháng một lần.\nTrong thời hạn 01 tháng kể từ ngày nhận đủ hồ sơ, "
                     "Bộ cấp giấy phép.")
    assert _units(p) == [(1, "tháng", "steps")]


def test_two_units_for_one_figure_leave_it_bare():
    p = _built("Trực tiếp5Miễn phí",
               steps="Trong thời hạn 05 ngày làm việc kể từ ngày nhận hồ sơ, Sở thẩm định; trong "
                     "thời hạn 05 ngày kể từ ngày thẩm định xong, UBND tỉnh cấp giấy phép.")
    assert _units(p) == [(5, None, None)]
    assert str(p.channels[0].time_limit) == f"5 ({UNITLESS})"


def test_dates_clock_times_and_sub_steps_lend_nothing():
    p = _built("Trực tiếp7Miễn phí",
               steps="Nộp trước 7 giờ sáng theo Thông tư số 07/2026/TT-BTC ngày 07/01/2026.\n"
                     "Quyết định số 7 ngày 15/3/2025.\nTrường hợp hồ sơ chưa đầy đủ, trong thời "
                     "hạn "
                     "07 ngày làm việc Sở hướng dẫn bổ sung.\nTiếp nhận hồ sơ: trong thời hạn 07 "
                     "giờ kể từ khi nhận hồ sơ.",
               conditions="Có từ 07 năm kinh nghiệm trở lên.")
    assert _units(p) == [(7, None, None)]


def test_the_first_source_that_writes_the_figure_decides():
    # the steps say working days; the in-person note (its description) says days: the steps win
    # for the online channel, the in-person channel keeps its own note's unit
    p = _built("Trực tuyến3Miễn phíTrực tiếp3Miễn phíTrong thời hạn 03 ngày kể từ ngày nhận hồ sơ.",
               steps="Trong thời hạn 03 ngày làm việc kể từ ngày nhận đủ hồ sơ, Sở cấp giấy phép.")
    online, in_person = _units(p)
    assert online == (3, WORKING_DAYS, "steps")
    assert in_person == (3, "ngày", "note")  # its own note comes first
    # a unit only in another channel's note
    p = _built("Trực tuyến3Miễn phíTrực tiếp3Miễn phíTrong thời hạn 03 ngày kể từ ngày nhận hồ sơ.")
    assert _units(p)[0] == (3, "ngày", "other_note")


def test_borrow_unit_and_limit_units_directly():
    assert limit_units(48, "Trong thời hạn tối đa 48 giờ, kể từ thời điểm nhận đủ hồ sơ") == {"giờ"}
    assert limit_units(48, "Trước ít nhất 48 giờ khi lô hàng cập cảng") == set()
    assert borrow_unit(2, [("other_channel", {"giờ"}), ("steps", "trong 02 ngày kể từ…")]) == (
        "giờ", "other_channel")
    steps = "trong 02 ngày kể từ khi nhận"
    assert borrow_unit(2, [("other_channel", set()), ("steps", steps)]) == ("ngày", "steps")
    assert borrow_unit(2, [("steps", "")]) is None


def test_a_zero_figure_is_not_a_time_limit():
    # "Trực tiếp0Không có thông tin…": a "0" says nothing about the time
    limit = parse_time_limit("0")
    assert limit.unitless and limit.clause() == "thời hạn chưa rõ (danh mục chỉ ghi số 0)"


def test_borrowed_units_survive_the_codec_and_old_rows_load(catalogue):
    procedure = catalogue["1.003755"]
    assert from_dict(to_dict(procedure)) == procedure
    old = to_dict(procedure)
    for channel in old["channels"]:
        del channel["time_limit"]["unit_source"]  # stored before the field existed
    limit = from_dict(old).channels[0].time_limit
    assert (limit.unit, limit.unit_source) == (WORKING_DAYS, None)


def test_card_tells_the_officer_where_a_unit_came_from(catalogue):
    assert ("thời hạn 7 ngày làm việc [ô thời hạn ghi «7», đơn vị lấy từ trình tự thực hiện]"
            in render_card(catalogue["1.003755"]))
    assert (f"thời hạn 1 ({UNITLESS}) [ô thời hạn không có đơn vị]"
            in render_card(catalogue["1.001193"]))
