"""The Lạng Sơn overlay maps the catalogue's generic agencies to the province's units."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.catalogue.overlay import PROVINCES_DIR, ProvincialOverlay, new_commune
from knowledge.procedure import ChannelKind, Level


def test_generic_agencies_resolve_to_slugs(catalogue):
    overlay = ProvincialOverlay.for_province("lang-son")
    assert overlay.online_portal_url == "https://dichvucong.langson.gov.vn"
    # 1.004222: "Công an cấp Xã" is both competent and implementing agency
    assert [u.id for u in overlay.units_for(catalogue["1.004222"])] == ["cong-an-cap-xa"]
    assert [u.id for u in overlay.match("Sở Tư pháp")] == ["so-tu-phap"]
    assert {u.level for u in overlay.units} == {Level.PROVINCE, Level.COMMUNE}
    assert overlay.hours_of(overlay.unit("so-tu-phap")) == overlay.default_hours


def test_old_district_address_converts_to_new_commune():
    # vietnamadminunits: old Hợp Thành commune of Cao Lộc district is now in Kỳ Lừa ward
    assert new_commune("Xã Hợp Thành, Huyện Cao Lộc, Tỉnh Lạng Sơn") == "Phường Kỳ Lừa"


def _overlay_with_fees(tmp_path: Path, fees: str) -> ProvincialOverlay:
    """The shipped Lạng Sơn file with a ``fees:`` section of the test's own (no real figures)."""
    shipped = (PROVINCES_DIR / "lang-son" / "agencies.yml").read_text(encoding="utf-8")
    path = tmp_path / "agencies.yml"
    path.write_text(shipped.replace("fees: {}", fees), encoding="utf-8")
    return ProvincialOverlay.load(path)


def test_lang_son_ships_no_fee_figures(catalogue):
    # the section is there, empty, with its format in a comment: figures must come from the
    # province's own resolution, and none has been checked yet
    overlay = ProvincialOverlay.for_province("lang-son")
    assert overlay.fees == {}
    assert overlay.fee_for(catalogue["1.000080"]) is None
    text = (PROVINCES_DIR / "lang-son" / "agencies.yml").read_text(encoding="utf-8")
    assert "\nfees: {}\n" in text and "NQ-HĐND" in text


def test_fee_section_maps_codes_to_figures_and_their_resolution(tmp_path, catalogue):
    overlay = _overlay_with_fees(tmp_path, """fees:
  "1.000080":
    amount_vnd: 8000
    channels: {online: 4000}
    source: "Nghị quyết thử số 1/TEST"
  "1.001612":
    text: "theo từng loại hộ"
    source: "Nghị quyết thử số 2/TEST"
""")
    fee = overlay.fee_for(catalogue["1.000080"])
    assert (fee.code, fee.source) == ("1.000080", "Nghị quyết thử số 1/TEST")
    assert fee.amount_for(ChannelKind.ONLINE) == 4000
    assert fee.amount_for(ChannelKind.IN_PERSON) == fee.amount_for(ChannelKind.POST) == 8000
    words = overlay.fee_for(catalogue["1.001612"])
    assert (words.amount_for(ChannelKind.ONLINE), words.text) == (None, "theo từng loại hộ")
    assert overlay.fee_for(catalogue["1.004222"]) is None
    assert [u.id for u in overlay.units_for(catalogue["1.004222"])] == ["cong-an-cap-xa"]


def test_a_fee_without_its_resolution_or_without_a_figure_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no source"):
        _overlay_with_fees(tmp_path, 'fees:\n  "1.000080":\n    amount_vnd: 8000\n')
    with pytest.raises(ValueError, match="neither"):
        _overlay_with_fees(tmp_path, 'fees:\n  "1.000080":\n    source: "Nghị quyết thử"\n')
