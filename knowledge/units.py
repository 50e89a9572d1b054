"""A unit of the province: one real body (a department, a commune committee, the police, a utility,
the petitions triage desk), one type for the two province files that describe units.

Both files use the same slug ids for the same bodies (``so-tu-phap``, ``cong-an-tinh``…):

- ``provinces/<slug>/agencies.yml`` says where a procedure is filed
  (``knowledge.catalogue.overlay``): the catalogue's generic names a unit stands for, its
  address, hours, and where it receives;
- ``provinces/<slug>/units.yml`` says who answers a petition (``feedback.directory``): the unit's
  kind, keywords, catalogue fields and agency names, and the ward of a commune committee.

Each loader fills the fields its file states; the others keep their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.procedure import Level


@dataclass(frozen=True)
class Unit:
    """One real unit of the province."""

    id: str
    name: str
    level: Level = Level.PROVINCE
    # Filing (agencies.yml)
    matches: tuple[str, ...] = ()  # generic names in the national catalogue ("Sở Tư pháp")
    address: str | None = None
    phone: str | None = None
    hours: str | None = None
    receives_at: str | None = None  # the unit whose counter takes its files
    per_commune: bool = False  # stands for the committee (police…) of the citizen's own commune
    # Petitions (units.yml)
    kind: str = "department"  # department, commune, police, utility or triage
    keywords: tuple[str, ...] = ()
    procedure_fields: tuple[str, ...] = ()
    agency_names: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    keyword_weight: float = 1.0  # below 1 for generic process words ("quá hạn") any body could own
    ward_key: str | None = None  # communes only: the vietnamadminunits key of the new ward
    ward: str | None = None

    @property
    def is_commune(self) -> bool:
        """A commune committee that answers petitions (units.yml ``communes``)."""
        return self.kind == "commune"
