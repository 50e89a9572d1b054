"""What retrieval indexes of a procedure: its parsed fields plus colloquial aliases.

The name and aliases say what a procedure is; field, applicants, conditions, papers and result add
the words people use when they describe their situation ("tôi là người nước ngoài", "mất giấy").
Long fields are cut so that a long list of papers does not outweigh the name.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.procedure import Procedure
from nlu.lexicon import Lexicon
from nlu.normalize import folded

NAME_WEIGHT = 3  # the name repeated: BM25 has no field weights
ALIAS_WEIGHT = 2
FIELD_LIMITS = {"conditions": 400, "papers": 600, "result": 200, "applicants": 200}


@dataclass(frozen=True)
class Document:
    """One procedure as both indexes see it."""

    code: str
    name: str
    title_text: str  # name, aliases and field: what the procedure is
    full_text: str  # title plus applicants, conditions, papers and result
    semantic_texts: tuple[str, ...]  # as written, and folded for questions typed without marks


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def _papers(procedure: Procedure) -> str:
    names = "; ".join(p.name for p in procedure.papers if p.name)
    return names or procedure.papers_text


def build_document(procedure: Procedure, aliases: list[str], lexicon: Lexicon) -> Document:
    """Index text of one procedure; catalogue abbreviations (BHXH, TNLĐ…) are expanded too."""
    details = {
        "applicants": procedure.applicants,
        "conditions": procedure.conditions,
        "papers": _papers(procedure),
        "result": procedure.result,
    }
    title = [procedure.name] * NAME_WEIGHT + aliases * ALIAS_WEIGHT + [procedure.field]
    title_text = lexicon.expand(" . ".join(p for p in title if p), query=False)
    details_text = " . ".join(_cut(text, FIELD_LIMITS[key]) for key, text in details.items() if text)
    full_text = lexicon.expand(f"{title_text} . {details_text}", query=False)
    semantic = ". ".join(
        p for p in (procedure.name, "; ".join(aliases), f"Lĩnh vực: {procedure.field}") if p
    )
    semantic = lexicon.expand(semantic, query=False)
    return Document(
        procedure.code, procedure.name, title_text, full_text, (semantic, folded(semantic))
    )
