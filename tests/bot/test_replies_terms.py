"""Time limits and fees in plain words, from real catalogue records (and a test overlay)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.replies.terms import ASK_FEE, ASK_TIME, fee_and_time_text, fee_text, time_text
from knowledge.catalogue.overlay import PROVINCES_DIR, ProvincialOverlay
from knowledge.procedure import FeeKind, TimeLimitKind

UNITLESS = "danh mục chỉ ghi số, không ghi ngày, giờ hay tháng"
SOURCE = "Nghị quyết thử số 1/TEST"  # a test resolution: Lạng Sơn ships no figures


@pytest.fixture(scope="module")
def shipped() -> ProvincialOverlay:
    return ProvincialOverlay.for_province("lang-son")


@pytest.fixture()
def province(tmp_path: Path) -> ProvincialOverlay:
    """Lạng Sơn with a fee section written by the test: one provincially-set procedure, online
    cheaper, and one national figure the province's entry must not override."""
    text = (PROVINCES_DIR / "lang-son" / "agencies.yml").read_text(encoding="utf-8")
    fees = f"""fees:
  "1.000080":
    amount_vnd: 8000
    channels: {{online: 4000}}
    source: "{SOURCE}"
  "1.004222":
    amount_vnd: 1000
    source: "{SOURCE}"
"""
    path = tmp_path / "agencies.yml"
    path.write_text(text.replace("fees: {}", fees), encoding="utf-8")
    return ProvincialOverlay.load(path)


def test_time_in_one_line(catalogue) -> None:
    # 1.003755: cells "7" with no unit; the steps write "Trong thời hạn 07 ngày làm việc …"
    assert time_text(catalogue["1.003755"]) == "Thời hạn giải quyết: 7 ngày làm việc."
    assert time_text(catalogue["1.004222"]) == "Thời hạn giải quyết: 7 ngày làm việc."


def test_a_bare_figure_is_said_plainly_with_where_to_ask(catalogue) -> None:
    # birth registration: "Trực tuyến1Miễn phí…", and no "01 ngày" anywhere in the record
    assert time_text(catalogue["1.001193"]) == (
        f"Thời hạn giải quyết: 1 ({UNITLESS}).\n{ASK_TIME}")
    # "Trực tiếp0Không có thông tin…": a 0 is no time limit at all
    assert time_text(catalogue["1.115148"]) == (
        f"Thời hạn giải quyết: chưa rõ (danh mục chỉ ghi số 0).\n{ASK_TIME}")


def test_every_kind_of_time_limit_in_plain_words(catalogue) -> None:
    expected = {
        "1.008312": "Thời hạn giải quyết: không quy định.",  # NOT_SET
        "1.003361": "Thời hạn giải quyết: tuỳ trường hợp (cấp mới 28 ngày làm việc; cấp lại 2 ngày "
                    "làm việc).",  # BY_CASE
        "3.000540": "Thời hạn giải quyết: 2 ngày làm việc và 45 ngày.",  # BY_STAGE, no labels
        "1.013577": "Thời hạn giải quyết: «Chậm nhất là ngay trước khi tàu rời cảng».",  # DEADLINE
        "1.007689": "Thời hạn giải quyết: «Không phải trả kết quả cho người nộp thuế».",  # RULE
        "1.001612": "Thời hạn giải quyết: danh mục chưa ghi.",  # nothing in the record
    }
    for code, text in expected.items():
        assert time_text(catalogue[code]) == text, code
    # BY_STAGE with a label per stage
    staged = time_text(catalogue["1.014261"])
    assert staged.startswith("Thời hạn giải quyết: theo từng bước (tiếp nhận và kiểm tra hồ sơ "
                             "3 ngày làm việc; thẩm định hồ sơ 70 ngày;")
    kinds = {c.time_limit.kind for code in [*expected, "1.014261", "1.003755"]
             for c in catalogue[code].channels if c.time_limit}
    assert kinds == set(TimeLimitKind)


def test_channels_that_differ_are_named(catalogue) -> None:
    # 1.000574: "Trực tuyến18 Ngày làm việc…Dịch vụ bưu chính18 Ngày làm việc…Trực tiếp25 Ngày…"
    assert time_text(catalogue["1.000574"]) == (
        "Thời hạn giải quyết: trực tuyến, qua bưu chính 18 ngày làm việc; trực tiếp 25 ngày.")
    assert fee_text(catalogue["1.004222"]) == (
        "Lệ phí: trực tuyến 10.000 đồng; trực tiếp 20.000 đồng.")
    # 1.000028 lists "Trực tiếp" twice with two times: cases, not channels
    assert time_text(catalogue["1.000028"]) == (
        "Thời hạn giải quyết tuỳ trường hợp: 1 ngày làm việc hoặc 2 ngày làm việc.")


def test_every_kind_of_fee_in_plain_words(catalogue) -> None:
    assert fee_text(catalogue["1.003755"]) == "Lệ phí: miễn phí."  # FREE
    assert fee_text(catalogue["1.000574"]) == "Lệ phí: 20.000.000 đồng."  # AMOUNT
    assert fee_text(catalogue["1.000080"]) == f"Lệ phí: do HĐND tỉnh quy định.\n{ASK_FEE}"
    # UNKNOWN: "200 VNĐ" with no note is not trusted (the nationality fees are in USD): not repeated
    assert fee_text(catalogue["1.004757"]) == f"Lệ phí: chưa rõ.\n{ASK_FEE}"
    # DEPENDS: the rule in the note is quoted, not the "50 VNĐ" it overrides
    depends = fee_text(catalogue["1.002010"])
    assert depends.startswith("Lệ phí: tuỳ trường hợp, danh mục ghi «áp dụng mức phí 25.000 "
                              "đồng/hồ sơ kể từ ngày 01/7/2025")
    assert "50 VNĐ" not in depends
    kinds = {c.fee.kind for code in ("1.003755", "1.000574", "1.000080", "1.004757", "1.002010")
             for c in catalogue[code].channels}
    assert kinds == set(FeeKind)


def test_the_provinces_figure_is_shown_with_its_resolution(catalogue, province) -> None:
    procedure = catalogue["1.000080"]  # "Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh … quyết định"
    assert fee_text(procedure, province) == (
        "Lệ phí: trực tuyến 4.000 đồng; qua bưu chính, trực tiếp 8.000 đồng.\n"
        f"Mức thu theo {SOURCE}.")
    combined = fee_and_time_text(procedure, province).splitlines()
    assert combined[0] == f"• Trực tuyến: thời hạn 7 ({UNITLESS}) — lệ phí 4.000 đồng"
    assert combined[1] == f"• Qua bưu chính, Trực tiếp: thời hạn 7 ({UNITLESS}) — lệ phí 8.000 đồng"
    assert combined[2:] == [ASK_TIME, f"Mức thu theo {SOURCE}."]


def test_a_national_figure_is_not_replaced_by_the_province(catalogue, province) -> None:
    # 1.004222 has national figures (10.000 / 20.000 đồng): the test entry for it is not used
    assert fee_text(catalogue["1.004222"], province) == fee_text(catalogue["1.004222"])
    assert SOURCE not in fee_and_time_text(catalogue["1.004222"], province)


def test_shipped_lang_son_overlay_invents_no_figure(catalogue, shipped) -> None:
    assert fee_text(catalogue["1.000080"], shipped) == f"Lệ phí: do HĐND tỉnh quy định.\n{ASK_FEE}"
    assert "do HĐND tỉnh quy định" in fee_and_time_text(catalogue["1.000080"], shipped)


def test_no_reply_in_the_catalogue_says_the_unit_is_missing_in_jargon(catalogue, shipped) -> None:
    bare = 0
    for procedure in catalogue.values():
        time, both = time_text(procedure), fee_and_time_text(procedure, shipped)
        fee = fee_text(procedure, shipped)
        for text in (time, both, fee):
            assert "không ghi đơn vị" not in text and "nguồn không ghi" not in text, procedure.code
            assert len(text) < 1000, procedure.code  # a phone screen, even for the longest
        if any(c.time_limit and c.time_limit.unitless for c in procedure.channels):
            bare += 1
            assert time.endswith(ASK_TIME) and ASK_TIME in both, procedure.code
        else:
            assert ASK_TIME not in time + both, procedure.code
    assert 250 < bare < 300  # 281 procedures keep a bare figure somewhere (357 before borrowing)
