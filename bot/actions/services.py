"""The services actions use, built once per action-server process."""

from __future__ import annotations

from functools import lru_cache

from bot.settings import get_settings
from knowledge.catalogue import load_shipped_catalogue
from knowledge.guide import ProcedureGuide
from knowledge.retrieval import Retriever


@lru_cache(maxsize=1)
def procedure_guide() -> ProcedureGuide:
    """The catalogue and its search index; the index is loaded from disk or built once."""
    settings = get_settings()
    procedures = load_shipped_catalogue()
    retriever = Retriever.load_or_build(procedures, index_dir=settings.data_dir / "index")
    return ProcedureGuide(procedures, retriever)
