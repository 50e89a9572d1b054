"""The procedure in focus: the slot that lets follow-up questions ("thế lệ phí bao nhiêu?") skip
the procedure's name, and the previous one for "quay lại"."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from knowledge.procedure import Procedure


def focus_on(tracker: Tracker, procedure: Procedure) -> list[EventType]:
    """Events that put ``procedure`` in focus, remembering the previous one for "quay lại"."""
    current = tracker.get_slot("procedure_code")
    events: list[EventType] = [SlotSet("procedure_code", procedure.code)]
    if current and current != procedure.code:
        events.append(SlotSet("previous_procedure_code", current))
    return events
