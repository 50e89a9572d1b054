"""Saved indexes: reused for the same catalogue, rebuilt and replaced when it changes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from knowledge.procedure import Procedure
from knowledge.retrieval import Retriever
from knowledge.retrieval.index import lexical_fingerprint, semantic_fingerprint


def _subset(procedures: list[Procedure]) -> list[Procedure]:
    keep = {"1.001193", "1.000656", "1.000894", "1.004222", "1.004194", "3.000347"}
    return [p for p in procedures if p.code in keep or p.field == "Hộ tịch"]


def test_index_is_saved_then_loaded(procedures: list[Procedure], tmp_path: Path) -> None:
    catalogue = _subset(procedures)
    built = Retriever.load_or_build(catalogue, tmp_path, model="none")
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert len(saved) == 1 and saved[0].startswith("lexical-")
    loaded = Retriever.load_or_build(catalogue, tmp_path, model="none")
    question = "dang ky ket hon"
    assert loaded.search(question).hits == built.search(question).hits
    assert sorted(p.name for p in tmp_path.iterdir()) == saved


def test_changed_catalogue_rebuilds(procedures: list[Procedure], tmp_path: Path) -> None:
    catalogue = _subset(procedures)
    Retriever.load_or_build(catalogue, tmp_path, model="none")
    before = {p.name for p in tmp_path.iterdir()}
    renamed = [replace(p, name="Đăng ký nuôi chim bồ câu") if p.code == "3.000347" else p
               for p in catalogue]
    retriever = Retriever.load_or_build(renamed, tmp_path, model="none")
    after = {p.name for p in tmp_path.iterdir()}
    assert len(after) == 1 and after != before  # stale index removed
    assert retriever.search("nuôi chim bồ câu").hits[0].code == "3.000347"


def test_fingerprints_follow_what_each_index_uses(procedures: list[Procedure]) -> None:
    catalogue = _subset(procedures)
    papers_changed = [replace(p, papers_text=p.papers_text + " x") for p in catalogue]
    assert lexical_fingerprint(papers_changed) != lexical_fingerprint(catalogue)
    assert semantic_fingerprint(papers_changed, "m") == semantic_fingerprint(catalogue, "m")
    assert semantic_fingerprint(catalogue, "m1") != semantic_fingerprint(catalogue, "m2")
