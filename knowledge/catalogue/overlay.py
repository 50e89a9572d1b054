"""Provincial overlay: the province's real units for the generic agencies named nationally.

The national catalogue says "Công an cấp Xã" or "Sở Tư pháp"; a YAML file per province
(``provinces/<slug>/agencies.yml``) says which unit that is there, where, when and how to file
online. Old addresses (before the July 2025 merger into two local levels) are converted to the new
commune with ``vietnamadminunits``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from vietnamadminunits import convert_address

from knowledge.procedure import Level, Procedure

PROVINCES_DIR = Path(__file__).resolve().parents[2] / "provinces"


@dataclass(frozen=True)
class Unit:
    """One real unit of the province (slug ``id`` shared with the petitions team)."""

    id: str
    name: str
    level: Level
    matches: tuple[str, ...]
    address: str | None = None
    phone: str | None = None
    hours: str | None = None
    receives_at: str | None = None
    per_commune: bool = False


@dataclass(frozen=True)
class ProvincialOverlay:
    """The province's units, portal and default opening hours."""

    province: str
    online_portal_url: str
    default_hours: str
    units: tuple[Unit, ...]

    @classmethod
    def load(cls, path: Path) -> ProvincialOverlay:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        units = tuple(
            Unit(
                id=u["id"], name=u["name"], level=Level(u["level"]),
                matches=tuple(u.get("matches", ())), address=u.get("address"),
                phone=u.get("phone"), hours=u.get("hours"), receives_at=u.get("receives_at"),
                per_commune=bool(u.get("per_commune", False)),
            )
            for u in data["units"]
        )
        return cls(data["province"], data["online_portal"]["url"], data["default_hours"], units)

    @classmethod
    def for_province(cls, slug: str, root: Path = PROVINCES_DIR) -> ProvincialOverlay:
        return cls.load(root / slug / "agencies.yml")

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def match(self, agency_text: str) -> list[Unit]:
        """Units whose generic names occur in an agency text (case-insensitive), in YAML order."""
        text = agency_text.casefold()
        return [u for u in self.units if any(m.casefold() in text for m in u.matches)]

    def units_for(self, procedure: Procedure) -> list[Unit]:
        """The province's units named by a procedure's competent or implementing agency."""
        named = f"{procedure.competent_agency}\n{procedure.implementing_agency}"
        return self.match(named)

    def hours_of(self, unit: Unit) -> str:
        return unit.hours or self.default_hours


def new_commune(old_address: str) -> str | None:
    """The post-July-2025 commune/ward for an address written with old units, if it resolves."""
    try:
        unit = convert_address(old_address)
    except (ValueError, KeyError, AttributeError):
        return None
    return getattr(unit, "ward", None) or None
