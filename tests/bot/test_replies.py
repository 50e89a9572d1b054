"""Replies built from real catalogue records: everything stated must come from the record."""

from __future__ import annotations

import pytest

from bot.replies.aspects import aspect_text
from knowledge.answer import Aspect

from bot.replies import essential_first, fee_and_time_text, online_guide_text, procedure_card
from knowledge.catalogue.overlay import ProvincialOverlay


@pytest.fixture(scope="module")
def overlay() -> ProvincialOverlay:
    return ProvincialOverlay.for_province("lang-son")


def test_card_for_permanent_residence_states_fees_time_and_the_police(catalogue, overlay) -> None:
    card = procedure_card(catalogue["1.004222"], overlay)
    assert card.startswith("📄 Đăng ký thường trú (mã 1.004222)")
    assert "Trực tuyến: thời hạn 7 ngày làm việc — lệ phí 10.000 đồng" in card
    assert "Trực tiếp: thời hạn 7 ngày làm việc — lệ phí 20.000 đồng" in card
    assert "Nơi nộp: Công an" in card
    assert "Có thể nộp trực tuyến" in card
    assert card.rstrip().endswith("?")  # always offers the next step


def test_channels_sharing_terms_share_one_line(catalogue) -> None:
    text = fee_and_time_text(catalogue["1.001193"])
    # one line for the three channels, then the advice the bare figure "1" needs
    assert text.splitlines() == [
        "• Trực tuyến, Qua bưu chính, Trực tiếp: thời hạn 1 (danh mục chỉ ghi số, không ghi ngày, "
        "giờ hay tháng) — lệ phí Miễn phí",
        "Hãy hỏi nơi nộp hồ sơ để biết chắc thời hạn.",
    ]


def test_time_limits_that_are_not_one_figure_say_so(catalogue) -> None:
    assert "không quy định thời hạn — lệ phí Miễn phí" in fee_and_time_text(catalogue["1.008312"])
    assert ("thời hạn tuỳ trường hợp (cấp mới 28 ngày làm việc; cấp lại 2 ngày làm việc)"
            in fee_and_time_text(catalogue["1.003361"]))
    assert ("thời hạn: «Chậm nhất là ngay trước khi tàu rời cảng»"
            in fee_and_time_text(catalogue["1.013577"]))


def test_papers_everyone_needs_come_before_conditional_ones(catalogue) -> None:
    ordered = [p.name.lower() for p in essential_first(catalogue["1.001193"].papers)]
    birth_certificate = next(i for i, n in enumerate(ordered) if "giấy chứng sinh;" in n)
    abandoned_child = next(i for i, n in enumerate(ordered) if "bỏ rơi" in n)
    assert birth_certificate < abandoned_child


def test_card_fits_a_phone_screen(catalogue, overlay) -> None:
    for code in ("1.001193", "1.004222"):
        assert len(procedure_card(catalogue[code], overlay)) < 1400


def test_every_aspect_answers_from_the_record(catalogue, overlay) -> None:
    procedure = catalogue["1.004222"]
    texts = {aspect: aspect_text(procedure, aspect, overlay) for aspect in Aspect}
    assert "Giấy tờ cho «Đăng ký thường trú»" in texts[Aspect.PAPERS]
    assert "10.000 đồng" in texts[Aspect.FEE] and "20.000 đồng" in texts[Aspect.FEE]
    assert "7 ngày làm việc" in texts[Aspect.TIME]
    assert "Nơi nộp: Công an" in texts[Aspect.WHERE]
    assert procedure.competent_agency in texts[Aspect.AGENCY]
    assert procedure.applicants[:40] in texts[Aspect.WHO]
    assert procedure.legal_basis[0][:40] in texts[Aspect.LEGAL]
    assert procedure.url in texts[Aspect.ONLINE]
    assert all(len(text) <= 2000 for text in texts.values())


def test_online_guide_gives_the_procedure_link_or_the_counter(catalogue, overlay) -> None:
    online = catalogue["1.004222"]
    assert online.url in online_guide_text(online, overlay.online_portal_url, overlay)
    offline = next(p for p in catalogue.values() if not p.online and p.channels)
    text = online_guide_text(offline, overlay.online_portal_url, overlay)
    assert "chưa nộp trực tuyến" in text and "Nơi nộp" in text
