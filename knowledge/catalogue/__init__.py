"""The procedure catalogue: both shipped sources parsed into :class:`~knowledge.procedure.Procedure`.

``load_shipped_catalogue()`` parses the files shipped in ``knowledge/data`` (no database);
``CatalogueStore`` keeps them in SQLite or PostgreSQL with a version history.
"""

from __future__ import annotations

from functools import lru_cache

from knowledge.catalogue.build import build_all
from knowledge.catalogue.sources import read_shipped
from knowledge.catalogue.store import CatalogueStore, ImportSummary, ProcedureVersion
from knowledge.procedure import Procedure

__all__ = ["CatalogueStore", "ImportSummary", "ProcedureVersion", "load_shipped_catalogue"]


@lru_cache(maxsize=1)
def _shipped() -> tuple[Procedure, ...]:
    return tuple(build_all(read_shipped()))


def load_shipped_catalogue() -> list[Procedure]:
    """Every shipped procedure (national portal, then defence), parsed once per process."""
    return list(_shipped())
