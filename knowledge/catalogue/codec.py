"""Procedure ⇄ plain JSON-able dict, so the store can keep whole procedures in a JSON column."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from knowledge.catalogue.parse_papers import refine_stored
from knowledge.catalogue.parse_time import parse_time_limit
from knowledge.procedure import (
    CaseTime,
    Channel,
    ChannelKind,
    Fee,
    FeeKind,
    Level,
    Paper,
    PaperKind,
    Procedure,
    TimeLimit,
    TimeLimitKind,
)


def to_dict(procedure: Procedure) -> dict[str, Any]:
    """Plain dict (enums as their values, tuples as lists)."""
    return json.loads(json.dumps(dataclasses.asdict(procedure), ensure_ascii=False))


def content_hash(procedure: Procedure) -> str:
    """A stable fingerprint of everything in the procedure: equal hash, nothing changed."""
    canonical = json.dumps(to_dict(procedure), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _time_limit(data: dict[str, Any]) -> TimeLimit | None:
    """Rows stored before time limits had a kind hold only value, unit and text: a figure is a
    duration, and words (the only other thing stored then) are classified again."""
    if "kind" not in data:
        if data["value"] is None:
            return parse_time_limit(data["text"])
        return TimeLimit(TimeLimitKind.DURATION, data["text"], data["value"], data["unit"])
    cases = tuple(CaseTime(**case) for case in data.get("cases", ()))
    return TimeLimit(TimeLimitKind(data["kind"]), data["text"], data["value"], data["unit"], cases,
                     data.get("unit_source"))  # rows stored before unit_source lack it


def _channel(data: dict[str, Any]) -> Channel:
    time_limit, fee = data.get("time_limit"), data.get("fee")
    return Channel(
        kind=ChannelKind(data["kind"]),
        time_limit=_time_limit(time_limit) if time_limit else None,
        fee=Fee(FeeKind(fee["kind"]), fee["amount_vnd"], fee["text"]) if fee else None,
        description=data.get("description", ""),
    )


def _papers(rows: list[dict[str, Any]]) -> tuple[Paper, ...]:
    """Rows stored before papers had a kind and a label list every item as a paper, in the
    source's order: they are classified, labelled and ordered again, as a fresh import would."""
    papers = tuple(Paper(**{**row, "kind": PaperKind(row.get("kind", PaperKind.SUBMIT))})
                   for row in rows)
    if papers and not any("kind" in row for row in rows):
        return refine_stored(papers)
    return papers


def from_dict(data: dict[str, Any]) -> Procedure:
    """Inverse of :func:`to_dict`."""
    values = dict(data)
    values["levels"] = tuple(Level(level) for level in data.get("levels", ()))
    values["channels"] = tuple(_channel(c) for c in data.get("channels", ()))
    values["papers"] = _papers(list(data.get("papers", ())))
    for key in ("steps", "legal_basis", "related"):
        values[key] = tuple(data.get(key, ()))
    return Procedure(**values)
