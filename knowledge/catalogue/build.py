"""Raw record → :class:`~knowledge.procedure.Procedure`: picks the parser for each source shape."""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.catalogue.parse_channels import (
    parse_channel_rows,
    parse_channel_text,
    with_borrowed_units,
)
from knowledge.catalogue.parse_misc import (
    parse_legal_rows,
    parse_legal_text,
    parse_levels,
    parse_related,
    parse_result,
    parse_steps,
)
from knowledge.catalogue.parse_papers import parse_paper_rows, parse_paper_text
from knowledge.catalogue.sources import RawRecord
from knowledge.catalogue.text import clean
from knowledge.procedure import Channel, Procedure


def _rows_text(rows: tuple[dict[str, str], ...]) -> str:
    """An already split table kept as readable text, one row a line, for the officer's check."""
    return "\n".join(" | ".join(clean(v) for v in row.values() if clean(v)) for row in rows)


def _channels(raw: RawRecord) -> tuple[Channel, ...]:
    """The channel table; a bare time figure may take its unit from the record's own text."""
    channels = parse_channel_rows(raw.channel_rows) if raw.source == "bqp" else parse_channel_text(
        raw.channels_text)
    return with_borrowed_units(channels, steps=raw.steps, conditions=raw.conditions,
                               result=raw.result)


def build_procedure(raw: RawRecord) -> Procedure:
    """Parse every field of one record; the original text stays beside each parsed field."""
    split = raw.source == "bqp"
    return Procedure(
        code=raw.code,
        name=clean(raw.name).replace("\n", " "),
        source=raw.source,
        field=clean(raw.field),
        levels=parse_levels(raw.levels),
        applicants=clean(raw.applicants),
        competent_agency=clean(raw.competent_agency),
        implementing_agency=clean(raw.implementing_agency),
        submission_address=clean(raw.submission_address),
        channels=_channels(raw),
        channels_text=_rows_text(raw.channel_rows) if split else raw.channels_text,
        papers=parse_paper_rows(raw.paper_rows) if split else parse_paper_text(raw.papers_text),
        papers_text=_rows_text(raw.paper_rows) if split else raw.papers_text,
        conditions=clean(raw.conditions),
        steps=parse_steps(raw.steps),
        steps_text=raw.steps,
        result=parse_result(raw.result),
        legal_basis=parse_legal_rows(raw.legal_rows) if split else parse_legal_text(raw.legal_text),
        legal_basis_text=_rows_text(raw.legal_rows) if split else raw.legal_text,
        related=parse_related(raw.related),
        url=raw.url,
        decision=clean(raw.decision),
        extra={key: clean(value) for key, value in raw.extra.items() if clean(value)},
    )


def build_all(records: Iterable[RawRecord]) -> list[Procedure]:
    """Every record parsed, in source order."""
    return [build_procedure(raw) for raw in records]
