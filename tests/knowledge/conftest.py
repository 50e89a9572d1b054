"""Shared fixtures: the shipped catalogue, parsed once for the whole test session."""

from __future__ import annotations

import pytest

from knowledge.catalogue import load_shipped_catalogue
from knowledge.procedure import Procedure


@pytest.fixture(scope="session")
def catalogue() -> dict[str, Procedure]:
    return {p.code: p for p in load_shipped_catalogue()}
