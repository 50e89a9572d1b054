"""The province's unit directory (``provinces/<province>/units.yml``) as typed objects.

Its units are ``knowledge.units.Unit``, the type the procedure overlay (``agencies.yml``) uses for
the same bodies under the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from feedback.config import Level
from knowledge.procedure import Level as GovernmentLevel
from knowledge.units import Unit
from nlu.text import fold_words


@dataclass(frozen=True)
class Service:
    """An Open311 service (category) citizens pick from."""

    code: str
    name: str
    group: str
    description: str


@dataclass(frozen=True)
class Directory:
    """All units of one province, with lookups used by routing and the console."""

    province: str
    province_key: str
    triage_unit: str
    units: dict[str, Unit]
    services: dict[str, Service]
    levels: dict[str, Level] = field(default_factory=dict)

    def get(self, unit_id: str | None) -> Unit | None:
        return self.units.get(unit_id or "")

    def name(self, unit_id: str | None) -> str:
        """Display name, or the id itself for a unit no longer in the directory."""
        unit = self.get(unit_id)
        return unit.name if unit else (unit_id or "")

    def communes(self) -> list[Unit]:
        return [u for u in self.units.values() if u.is_commune]

    def commune_by_ward_key(self, ward_key: str) -> Unit | None:
        return next((u for u in self.communes() if u.ward_key == ward_key), None)

    def unit_for_agency_name(self, agency_text: str) -> Unit | None:
        """The non-commune unit whose catalogue name is the longest match in ``agency_text``."""
        folded = fold_words(agency_text)
        best: tuple[int, Unit] | None = None
        for unit in self.units.values():
            for name in unit.agency_names:
                fname = fold_words(name)
                if fname and fname in folded and (best is None or len(fname) > best[0]):
                    best = (len(fname), unit)
        return best[1] if best else None

    def sorted_units(self) -> list[Unit]:
        """Province-level units first, then communes, each by name (for selects and filters)."""
        return sorted(self.units.values(), key=lambda u: (u.is_commune, fold_words(u.name)))


def _unit(raw: dict, defaults: dict | None = None) -> Unit:
    merged = {**(defaults or {}), **raw}
    kind = merged.get("kind", "department")
    return Unit(
        id=merged["id"],
        name=merged["name"],
        level=GovernmentLevel.COMMUNE if kind == "commune" else GovernmentLevel.PROVINCE,
        kind=kind,
        keywords=tuple(merged.get("keywords", ())),
        procedure_fields=tuple(merged.get("procedure_fields", ())),
        agency_names=tuple(merged.get("agency_names", ())),
        services=tuple(merged.get("services", ())),
        keyword_weight=float(merged.get("keyword_weight", 1.0)),
        ward_key=merged.get("ward_key"),
        ward=merged.get("ward"),
    )


def load_directory(path: Path) -> Directory:
    """Parse and check a units.yml file (unique ids, triage unit present)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = raw.get("commune_defaults", {})
    units: dict[str, Unit] = {}
    for entry in raw.get("units", []):
        unit = _unit(entry)
        units[unit.id] = unit
    for entry in raw.get("communes", []):
        unit = _unit(entry, defaults)
        if unit.id in units:
            raise ValueError(f"duplicate unit id {unit.id} in {path}")
        units[unit.id] = unit
    triage = raw["triage_unit"]
    if triage not in units:
        raise ValueError(f"triage unit {triage} is not in {path}")
    services = {
        s["code"]: Service(s["code"], s["name"], s.get("group", ""), s.get("description", ""))
        for s in raw.get("services", [])
    }
    levels = {
        name: Level(name, spec.get("label", name), int(spec["ack_days"]), int(spec["answer_days"]))
        for name, spec in (raw.get("deadlines") or {}).items()
    }
    return Directory(raw["province"], raw["province_key"], triage, units, services, levels)


@lru_cache(maxsize=8)
def cached_directory(path: Path) -> Directory:
    """The directory, parsed once per process."""
    return load_directory(path)
