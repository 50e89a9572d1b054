"""Which procedure a message is about: a button's code, a clearly named procedure, or the one
already in focus (so "thế lệ phí bao nhiêu?" needs no procedure name)."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.actions.services import procedure_guide
from knowledge.procedure import Procedure
from nlu.normalize import folded

# Syllables of follow-up questions that say *what* is asked, never *which* procedure: a message
# made only of these ("nộp ở đâu?", "thế lệ phí bao nhiêu") stays on the procedure in focus.
QUESTION_SYLLABLES = frozenset(
    """
    the thi la gi bao nhieu le phi tien mat ton nop o dau lam can giay to ho so gom nhung nao
    online truc tuyen qua mang duoc khong co chua lau may ngay thoi gian han ai dieu kien buoc
    trinh tu can cu phap ly luat xem cho toi hoi va vay nhi a oi ra sao nhu the cac mien
    link duong dan dia chi co quan noi chuan bi mang theo ban sao chinh ket qua khi
    thu tuc nay de phai bo minh em anh chi ad
    """.split()
)
MIN_TOPIC_SYLLABLES = 1


def names_a_procedure(text: str) -> bool:
    """True when the message carries words beyond a bare follow-up question."""
    syllables = re.findall(r"\w+", folded(text))
    return sum(s not in QUESTION_SYLLABLES and not s.isdigit() for s in syllables) >= MIN_TOPIC_SYLLABLES


def procedure_in_focus(tracker: Tracker) -> Procedure | None:
    guide = procedure_guide()
    chosen = next(tracker.get_latest_entity_values("procedure_code"), None)
    if chosen and (procedure := guide.get(chosen)):
        return procedure
    current = guide.get(tracker.get_slot("procedure_code") or "")
    text = tracker.latest_message.get("text") or ""
    if current is not None and not names_a_procedure(text):
        return current
    guidance = guide.find(text, k=1)
    if guidance.confident and guidance.best is not None:
        return guidance.best  # the message names a procedure: switch to it
    return current


def focus_on(tracker: Tracker, procedure: Procedure) -> list[EventType]:
    """Events that put ``procedure`` in focus, remembering the previous one for "quay lại"."""
    current = tracker.get_slot("procedure_code")
    events: list[EventType] = [SlotSet("procedure_code", procedure.code)]
    if current and current != procedure.code:
        events.append(SlotSet("previous_procedure_code", current))
    return events
