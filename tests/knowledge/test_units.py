"""One unit type for both province files: a body listed in both is the same body."""

from __future__ import annotations

from feedback.directory import load_directory
from knowledge.catalogue.overlay import PROVINCES_DIR, ProvincialOverlay
from knowledge.procedure import Level
from knowledge.units import Unit
from nlu.text import fold_words


def test_both_files_describe_the_same_units_under_the_same_ids() -> None:
    overlay = ProvincialOverlay.for_province("lang-son")
    directory = load_directory(PROVINCES_DIR / "lang-son" / "units.yml")
    shared = [u for u in overlay.units if u.id in directory.units]
    assert len(shared) >= 5  # the departments, the provincial centre, police, social insurance
    for filing in shared:
        answering = directory.units[filing.id]
        assert isinstance(filing, Unit) and isinstance(answering, Unit)
        assert answering.level == filing.level
        assert fold_words(answering.name) in fold_words(filing.name), filing.id


def test_each_loader_fills_its_own_fields() -> None:
    directory = load_directory(PROVINCES_DIR / "lang-son" / "units.yml")
    commune = directory.communes()[0]
    assert commune.level == Level.COMMUNE and commune.ward_key and commune.keywords
    assert not commune.matches and commune.address is None
    overlay = ProvincialOverlay.for_province("lang-son")
    filing = overlay.unit("so-tu-phap")
    assert filing is not None and filing.matches and filing.receives_at
    assert not filing.keywords and not filing.is_commune
