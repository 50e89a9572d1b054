"""The services actions use, built once per action-server process."""

from __future__ import annotations

import multiprocessing
from functools import lru_cache

from bot.handover.desk import HandoverDesk
from bot.settings import get_settings
from feedback.service import FeedbackService
from feedback.web import build_service
from feedback.web.wiring import config_from_settings
from knowledge.catalogue import load_shipped_catalogue
from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.guide import ProcedureGuide
from knowledge.retrieval.cli import load_retriever


@lru_cache(maxsize=1)
def procedure_guide() -> ProcedureGuide:
    """The catalogue and its search indexes (built by `motcua up` before the servers start)."""
    return ProcedureGuide(load_shipped_catalogue(), load_retriever(progress=False))


@lru_cache(maxsize=1)
def province_overlay() -> ProvincialOverlay:
    """The province's real units, hours and portal (provinces/<slug>/agencies.yml)."""
    return ProvincialOverlay.for_province(get_settings().province)


@lru_cache(maxsize=1)
def feedback_service() -> FeedbackService:
    """The petitions service (same database as the officer console); migrated once per process."""
    return build_service(config_from_settings(get_settings()))


@lru_cache(maxsize=1)
def handover_desk() -> HandoverDesk:
    """The live-help queue shared with the web console."""
    return HandoverDesk(get_settings().handover_db_url)


# Build the catalogue and index while the action server starts, not on a citizen's first message:
# `motcua up` waits for the server's health check, so nobody talks to a half-loaded bot. rasa-sdk
# imports this package twice: in its main process, which only supervises, and again in the Sanic
# worker it spawns, which serves every request. Only the worker needs the index in memory.
if multiprocessing.parent_process() is not None:
    procedure_guide()
