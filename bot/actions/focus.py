"""Which procedure a message is about: a button's code, a clearly named procedure, or the one
already in focus (so "thế lệ phí bao nhiêu?" needs no procedure name)."""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.actions.services import procedure_guide
from knowledge.procedure import Procedure


def procedure_in_focus(tracker: Tracker) -> Procedure | None:
    guide = procedure_guide()
    chosen = next(tracker.get_latest_entity_values("procedure_code"), None)
    if chosen and (procedure := guide.get(chosen)):
        return procedure
    current = tracker.get_slot("procedure_code")
    guidance = guide.find(tracker.latest_message.get("text") or "", k=1)
    if guidance.confident and guidance.best is not None:
        return guidance.best  # the message names a procedure: switch to it
    return guide.get(current) if current else None
