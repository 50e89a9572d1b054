"""bot/actions/focus.py: the procedure in focus, and the one before it for «quay lại»."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from bot.actions.focus import focus_on
from tests.bot.actions.chat import tracker


def test_a_first_procedure_is_put_in_focus(catalogue) -> None:
    assert focus_on(tracker(), catalogue["1.001193"]) == [SlotSet("procedure_code", "1.001193")]


def test_another_procedure_remembers_the_one_before(catalogue) -> None:
    now = tracker(slots={"procedure_code": "1.004222"})
    assert focus_on(now, catalogue["1.001193"]) == [SlotSet("procedure_code", "1.001193"),
                                                   SlotSet("previous_procedure_code", "1.004222")]


def test_the_same_procedure_again_keeps_the_one_before(catalogue) -> None:
    now = tracker(slots={"procedure_code": "1.001193", "previous_procedure_code": "1.004222"})
    assert focus_on(now, catalogue["1.001193"]) == [SlotSet("procedure_code", "1.001193")]
