"""The Lạng Sơn overlay maps the catalogue's generic agencies to the province's units."""

from __future__ import annotations

from knowledge.catalogue.overlay import ProvincialOverlay, new_commune
from knowledge.procedure import Level


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
