"""The catalogue in a database: one row per procedure plus every version it has had.

Whole procedures live in JSON columns (portable between SQLite and PostgreSQL); a content hash
decides whether a re-import changed anything, so importing the same catalogue twice is a no-op and
importing a newer one adds a version only for procedures that changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, func, select

from knowledge.catalogue.codec import content_hash, from_dict, to_dict
from knowledge.procedure import Procedure


def _now() -> datetime:
    return datetime.now(UTC)


class CatalogueProcedure(SQLModel, table=True):
    """The current version of one procedure."""

    __tablename__ = "catalogue_procedure"

    code: str = Field(primary_key=True, max_length=32)
    source: str = Field(index=True, max_length=32)
    name: str
    field: str = Field(default="", index=True)
    version: int = 1
    content_hash: str = Field(max_length=64)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=_now)


class CatalogueProcedureVersion(SQLModel, table=True):
    """One version of one procedure, kept when a later import changes it."""

    __tablename__ = "catalogue_procedure_version"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, max_length=32)
    version: int
    content_hash: str = Field(max_length=64)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    imported_at: datetime = Field(default_factory=_now)


@dataclass
class ImportSummary:
    """What an import did, by procedure code."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + self.unchanged


@dataclass(frozen=True)
class ProcedureVersion:
    """One entry of a procedure's history."""

    version: int
    imported_at: datetime
    procedure: Procedure


class CatalogueStore:
    """Repository over the catalogue tables; ``db_url`` is any SQLAlchemy URL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine  # the app database, its tables from the app's migrations

    def import_procedures(self, procedures: Iterable[Procedure]) -> ImportSummary:
        """Add new procedures, update changed ones (keeping the old version), skip the rest."""
        summary = ImportSummary()
        with Session(self.engine) as session:
            rows = session.exec(select(CatalogueProcedure.code, CatalogueProcedure.content_hash))
            hashes = {code: digest for code, digest in rows}
            for procedure in procedures:
                digest = content_hash(procedure)
                known = hashes.get(procedure.code)
                if known == digest:
                    summary.unchanged += 1
                    continue
                row = session.get(CatalogueProcedure, procedure.code) if known else None
                version = row.version + 1 if row else 1
                data = to_dict(procedure)
                if row is None:
                    row = CatalogueProcedure(code=procedure.code, version=version,
                                             content_hash=digest, source=procedure.source,
                                             name=procedure.name, data=data)
                    summary.added.append(procedure.code)
                else:
                    summary.updated.append(procedure.code)
                row.source, row.name, row.field = procedure.source, procedure.name, procedure.field
                row.version, row.content_hash, row.data = version, digest, data
                row.updated_at = _now()
                session.add(row)
                session.add(CatalogueProcedureVersion(code=procedure.code, version=version,
                                                      content_hash=digest, data=data))
                hashes[procedure.code] = digest
            session.commit()
        return summary

    def get(self, code: str) -> Procedure | None:
        """The current version of a procedure, or None."""
        with Session(self.engine) as session:
            row = session.get(CatalogueProcedure, code.strip())
            return from_dict(row.data) if row else None

    def all(self) -> list[Procedure]:
        """Every procedure, by code."""
        with Session(self.engine) as session:
            rows = session.exec(select(CatalogueProcedure).order_by(CatalogueProcedure.code))
            return [from_dict(row.data) for row in rows]

    def count(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.count()).select_from(CatalogueProcedure)).one()

    def history(self, code: str) -> list[ProcedureVersion]:
        """Every version of a procedure, oldest first."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(CatalogueProcedureVersion)
                .where(CatalogueProcedureVersion.code == code.strip())
                .order_by(CatalogueProcedureVersion.version)
            )
            return [ProcedureVersion(r.version, r.imported_at, from_dict(r.data)) for r in rows]
