"""The services the actions use, over the lexical retriever the rest of the suite builds (no e5
model, no servers): the actions take them as builders, so a test hands in these."""

from __future__ import annotations

import pytest

from knowledge.answer import Answerer
from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.guide import ProcedureGuide


@pytest.fixture(scope="session")
def guide(answerer: Answerer) -> ProcedureGuide:
    """The guide the answerer searches, as the action server shares one between them."""
    return answerer.guide


@pytest.fixture(scope="session")
def overlay() -> ProvincialOverlay:
    return ProvincialOverlay.for_province("lang-son")
