"""Fixtures of the knowledge tests: the catalogue as a list, and the lexical retriever over it."""

from __future__ import annotations

import pytest

from knowledge.catalogue import load_shipped_catalogue
from knowledge.procedure import Procedure
from knowledge.retrieval import Retriever


@pytest.fixture(scope="session")
def procedures() -> list[Procedure]:
    return load_shipped_catalogue()


@pytest.fixture(scope="session")
def lexical_retriever(procedures: list[Procedure], tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """Built once for the whole test session (no model needed)."""
    return Retriever.load_or_build(procedures, tmp_path_factory.mktemp("retrieval-index"), model="none")
