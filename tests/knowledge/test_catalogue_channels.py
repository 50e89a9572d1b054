"""Channels, time limits and fees of real records; expected values read from the source text."""

from __future__ import annotations

import re

from knowledge.catalogue.parse_fees import parse_fee
from knowledge.procedure import ChannelKind, FeeKind

ONLINE, IN_PERSON, POST = ChannelKind.ONLINE, ChannelKind.IN_PERSON, ChannelKind.POST


def test_birth_registration_bare_number_and_free(catalogue):
    # "Trực tuyến1Miễn phíDịch vụ bưu chính1Miễn phíTrực tiếp1Miễn phí"
    p = catalogue["1.001193"]
    assert [c.kind for c in p.channels] == [ONLINE, POST, IN_PERSON]
    for channel in p.channels:
        assert channel.time_limit.value == 1 and channel.time_limit.unit is None
        assert channel.time_limit.text == "1"
        assert channel.fee.kind is FeeKind.FREE


def test_permanent_residence_fees_differ_by_channel(catalogue):
    # "Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(…)Trực tiếp7 Ngày làm việc20,000 Việt Nam Đồng(…"
    p = catalogue["1.004222"]
    online, in_person = p.channel(ONLINE), p.channel(IN_PERSON)
    assert str(online.time_limit) == "7 ngày làm việc"
    assert (online.fee.kind, online.fee.amount_vnd) == (FeeKind.AMOUNT, 10_000)
    assert (in_person.fee.kind, in_person.fee.amount_vnd) == (FeeKind.AMOUNT, 20_000)
    assert str(in_person.fee) == "20.000 đồng"
    assert p.channel(POST) is None


def test_customs_figure_in_thousands_confirmed_by_note(catalogue):
    # "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)": time "1", fee "20 VNĐ" stated as 20.000 in the note
    channel = catalogue["1.000014"].channel(ONLINE)
    assert channel.time_limit.value == 1
    assert (channel.fee.kind, channel.fee.amount_vnd) == (FeeKind.AMOUNT, 20_000)


def test_customs_bare_time_glued_to_figure(catalogue):
    # "Trực tuyến120,000 VNĐ(Theo khoản 1 Điều 3 Thông tư số 172/2010/TT-BTC …)"
    channel = catalogue["1.000005"].channel(ONLINE)
    assert channel.time_limit.value == 1
    assert channel.fee.amount_vnd == 20_000


def test_small_figure_without_confirmation_is_not_guessed(catalogue):
    # "Trực tuyến1200 VNĐDịch vụ bưu chính1200 VNĐ…": "200 VNĐ" with no note is not trusted
    for channel in catalogue["1.004757"].channels:
        assert channel.fee.kind is FeeKind.UNKNOWN and channel.fee.amount_vnd is None
        assert channel.fee.text == "200 VNĐ"


def test_small_figure_with_a_tariff_note_depends_on_it(catalogue):
    # "50 VNĐ((áp dụng mức phí 25.000 đồng/hồ sơ kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 theo
    # Thông tư số 64/2025/TT-BTC))": neither 50 nor 50.000 đồng is the fee today
    fee = catalogue["1.002010"].channel(ONLINE).fee
    assert (fee.kind, fee.amount_vnd) == (FeeKind.DEPENDS, None)
    assert "Thông tư số 64/2025/TT-BTC" in fee.text
    # "25 VNĐ(- Lệ phí đăng ký doanh nghiệp: Bằng 50% mức thu lệ phí quy định tại điểm 1 Biểu phí …"
    assert catalogue["2.002011"].channel(IN_PERSON).fee.kind is FeeKind.DEPENDS


def test_small_figure_that_the_note_writes_in_usd_depends(catalogue):
    # "155 VNĐ(Thẻ tạm trú có thời hạn từ trên 02 năm đến 05 năm: 155 USD/thẻ.)"
    fee = catalogue["1.003358"].channel(IN_PERSON).fee
    assert (fee.kind, fee.amount_vnd) == (FeeKind.DEPENDS, None)
    assert parse_fee("50 VNĐ(Phí hải quan 50USD/chuyến bay đến …)").kind is FeeKind.DEPENDS


def test_small_figure_with_a_note_that_cites_no_rule_stays_unknown():
    assert parse_fee("20 VNĐ(đối với 1 tờ khai)").kind is FeeKind.UNKNOWN
    assert parse_fee("500 VNĐ(đối với phương tiện quá cảnh đường thuỷ)").kind is FeeKind.UNKNOWN


def test_mixed_channels_of_one_procedure(catalogue):
    # online "1Miễn phí(Miễn lệ phí …)", post "1100 VNĐ(- Phí công bố …: 100.000 đồng/lần …)",
    # in person "1100,000 VNĐ(…)"
    p = catalogue["2.002044"]
    assert p.channel(ONLINE).fee.kind is FeeKind.FREE
    assert p.channel(POST).fee.amount_vnd == 100_000
    assert p.channel(IN_PERSON).fee.amount_vnd == 100_000


def test_plain_amount(catalogue):
    # "Trực tuyến10 Ngày làm việc1,500,000 VNĐ(đồng/lần)…"
    channel = catalogue["1.003394"].channel(ONLINE)
    assert str(channel.time_limit) == "10 ngày làm việc"
    assert channel.fee.amount_vnd == 1_500_000


def test_free_label_contradicted_by_the_provincial_council_is_provincial(catalogue):
    # "Miễn phí(Đồng (Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh … quyết định. …"
    fee = catalogue["1.001695"].channel(ONLINE).fee
    assert (fee.kind, fee.amount_vnd) == (FeeKind.PROVINCIAL, None)
    assert "Hội đồng nhân dân" in fee.text


def test_free_label_contradicted_by_a_national_tariff_depends():
    fee = parse_fee("Miễn phí(Thực hiện theo Thông tư số 85/2019/TT-BTC)")
    assert fee.kind is FeeKind.DEPENDS


def test_ways_the_catalogue_says_the_provincial_council_sets_the_fee():
    for cell in (
        "Miễn phí(Theo quy định của Hội đồng nhân dân cấp tỉnh)",
        "Miễn phí(Mức lệ phí (nếu có) theo quyết định của Hội đồng nhân dân cấp tỉnh.)",
        "Miễn phí(Theo mức thu lệ phí do Hội đồng nhân dân cấp tỉnh quy định. Miễn lệ phí cho …)",
        "Lệ phí :   (Nghị quyết số 12/2020/NQ-HĐND)",
        "Phí : 0 Đồng (thuộc thẩm quyền quyết định của Hội đồng nhân dân tỉnh)",
    ):
        assert parse_fee(cell).kind is FeeKind.PROVINCIAL, cell
    # an empty cell whose description says so
    fee = parse_fee("Không có thông tin",
                    "Phí, lệ phí (nếu có): Hội đồng nhân dân cấp tỉnh quyết định đối với hoạt động "
                    "đăng ký do cơ quan địa phương thực hiện.")
    assert fee.kind is FeeKind.PROVINCIAL
    # the provincial people's committee is not the council; a date of the council is not a fee rule
    assert parse_fee("Miễn phí(do Ủy ban nhân dân cấp tỉnh quy định.)").kind is FeeKind.FREE
    assert parse_fee("Miễn phí", "Trong thời hạn 15 ngày kể từ ngày Hội đồng nhân dân cấp tỉnh "
                                 "thông qua Chương trình").kind is FeeKind.FREE


def test_a_figure_the_council_sets_is_provincial_and_keeps_the_sample(catalogue):
    # household business: "150,000 Việt Nam Đồng(- Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh
    # quyết định (căn cứ quy định tại Thông tư số 85/2019/TT-BTC) …": not every province's figure
    fee = catalogue["1.001612"].channel(ONLINE).fee
    assert (fee.kind, fee.amount_vnd) == (FeeKind.PROVINCIAL, 150_000)
    # cooperatives: "Miễn phí(- Không thu lệ phí đăng ký đối với tổ hợp tác … - Mức lệ phí cụ thể do
    # Hội đồng nhân dân cấp tỉnh quyết định": free only for some, so not "free"
    channels = catalogue["2.002638"].channels
    assert channels and all(c.fee.kind is FeeKind.PROVINCIAL for c in channels)


def test_provincially_set_fees_in_the_whole_catalogue(catalogue):
    council = re.compile(r"Hội đồng nhân dân|HĐND", re.IGNORECASE)
    fees = [(p.code, c.fee) for p in catalogue.values() for c in p.channels if c.fee]
    provincial = {code for code, fee in fees if fee.kind is FeeKind.PROVINCIAL}
    # measured: 73 procedures (210 channels); every fee text naming the council is provincial
    assert len(provincial) == 73
    set_by_council = [fee for _, fee in fees if council.search(fee.text)]
    assert set_by_council and all(fee.kind is FeeKind.PROVINCIAL for fee in set_by_council)


def test_free_with_empty_note(catalogue):
    # "Dịch vụ bưu chính5 Ngày làm việcMiễn phí(Không có)…"
    channel = catalogue["1.009491"].channel(POST)
    assert channel.fee.kind is FeeKind.FREE
    assert str(channel.time_limit) == "5 ngày làm việc"


def test_foreign_currency_is_a_rule_not_a_vnd_amount(catalogue):
    # "Trực tiếp6 Tháng100 USD(100 USD/thẻ.)"
    channel = catalogue["1.001010"].channel(IN_PERSON)
    assert str(channel.time_limit) == "6 tháng"
    assert channel.fee.kind is FeeKind.DEPENDS and channel.fee.amount_vnd is None
    assert channel.fee.text.startswith("100 USD")


def test_hours_unit(catalogue):
    # "Trực tiếp2 GiờKhông có thông tin"
    channel = catalogue["1.008002"].channel(IN_PERSON)
    assert str(channel.time_limit) == "2 giờ"
    assert channel.fee.kind is FeeKind.UNKNOWN


def test_defence_procedure_split_rows(catalogue):
    # tables.hinh_thuc_nop: Trực tiếp / "30 Ngày làm việc" / "Phí : 0 Đồng"
    p = catalogue["1.013124"]
    assert p.source == "bqp"
    in_person = p.channel(IN_PERSON)
    assert str(in_person.time_limit) == "30 ngày làm việc"
    assert in_person.fee.kind is FeeKind.FREE


def test_fee_cells_of_the_defence_export():
    assert parse_fee("Phí : 2.000.000 Đồng (Thẩm định cấp phép)").amount_vnd == 2_000_000
    assert parse_fee("Phí : Không Đồng").kind is FeeKind.FREE
    assert parse_fee("Lệ phí :   (Thông tư số 249/2016/TT-BTC)").kind is FeeKind.DEPENDS
    assert parse_fee("").kind is FeeKind.UNKNOWN
