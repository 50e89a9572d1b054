"""Provincial overlay: the province's real units for the generic agencies named nationally.

The national catalogue says "Công an cấp Xã" or "Sở Tư pháp"; a YAML file per province
(``provinces/<slug>/agencies.yml``) says which unit that is there, where, when and how to file
online, and — in an optional ``fees:`` section — the fees its provincial council set (procedure code
→ figure and the resolution it comes from). Old addresses (before the July 2025 merger into two
local levels) are converted to the new commune with ``vietnamadminunits``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from vietnamadminunits import convert_address

from knowledge.procedure import ChannelKind, Level, Procedure
from knowledge.units import Unit

PROVINCES_DIR = Path(__file__).resolve().parents[2] / "provinces"


@dataclass(frozen=True)
class ProvincialFee:
    """A fee the provincial council set for one procedure, as its own resolution states it.

    Only ever filled from the province's resolution (``source`` names it), never estimated: the
    national catalogue says only "do Hội đồng nhân dân cấp tỉnh quyết định".
    """

    code: str
    source: str  # "Nghị quyết số …/…/NQ-HĐND ngày … của HĐND tỉnh …"
    amount_vnd: int | None = None  # every channel
    by_channel: Mapping[ChannelKind, int] = field(default_factory=dict)  # overrides amount_vnd
    text: str | None = None  # words when there is no single figure ("8.000 đồng/bản sao")

    @classmethod
    def from_yaml(cls, code: str, entry: dict) -> ProvincialFee:
        """One ``fees:`` entry; an entry with no source, or with nothing to state, is refused."""
        source = str(entry.get("source") or "").strip()
        by_channel = {ChannelKind(k): int(v) for k, v in (entry.get("channels") or {}).items()}
        amount = entry.get("amount_vnd")
        text = str(entry["text"]).strip() if entry.get("text") else None
        if not source:
            raise ValueError(f"fees.{code}: no source (the resolution the figure comes from)")
        if amount is None and not by_channel and not text:
            raise ValueError(f"fees.{code}: neither amount_vnd, channels nor text")
        return cls(code, source, None if amount is None else int(amount), by_channel, text)

    def amount_for(self, kind: ChannelKind) -> int | None:
        """The figure for one channel, if the resolution gives one."""
        return self.by_channel.get(kind, self.amount_vnd)


@dataclass(frozen=True)
class ProvincialOverlay:
    """The province's units, portal, default opening hours and provincially-set fees."""

    province: str
    online_portal_url: str
    default_hours: str
    units: tuple[Unit, ...]
    fees: Mapping[str, ProvincialFee] = field(default_factory=dict)  # by procedure code

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
        fees = {str(code): ProvincialFee.from_yaml(str(code), entry or {})
                for code, entry in (data.get("fees") or {}).items()}
        return cls(data["province"], data["online_portal"]["url"], data["default_hours"], units,
                   fees)

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

    def fee_for(self, procedure: Procedure) -> ProvincialFee | None:
        """The fee the province's own resolution sets for this procedure, if the overlay has it."""
        return self.fees.get(procedure.code)


def new_commune(old_address: str) -> str | None:
    """The post-July-2025 commune/ward for an address written with old units, if it resolves."""
    try:
        unit = convert_address(old_address)
    except (ValueError, KeyError, AttributeError):
        return None
    return getattr(unit, "ward", None) or None
