"""``motcua eval answers FILE``: how well replies answer what was asked, on JSON lines
``{"question", "reference_answer", "procedure_code"?, "aspect"?}``.

Each question is a new conversation's first message, answered by the chat's own action
(``action_answer_procedure`` with a rasa-sdk tracker, as the action server runs it): only Rasa's
intent classification is skipped. The measures:

- ``procedure_named``: the expected procedure's code, or the start of its name, is in the reply
  (of those that give one; button titles count, they are what the citizen taps);
- ``fact_recall``: the share of the reference answer's content syllables found in the reply
  (folded, question words out, "07" read as "7", "20,000 Việt Nam Đồng" as "20000 đồng"),
  averaged;
- ``aspect_answered``: the reply names the expected procedure and holds at least
  ``FACT_THRESHOLD`` of the reference fact;
- ``confident_share`` / ``confident_precision``: how often one procedure is presented as the
  answer, and how often that procedure is the expected one;
- ``p50_ms`` / ``p95_ms``: the action's time per question, after a warm-up.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from nlu.lexicon import default_lexicon
from nlu.text import fold, has_diacritics, syllables

FACT_THRESHOLD = 0.6
NAME_START = 50  # buttons show names cut at 60 characters
WARM_UP = 3
# The catalogue writes "20,000 Việt Nam Đồng", "8,000 VNĐ"; replies write "20.000 đồng".
_CURRENCY = re.compile(r"việt nam đồng|vnđ|vnd", re.IGNORECASE)
_THOUSANDS = re.compile(r"(\d)[.,](\d{3})(?!\d)")


@dataclass(frozen=True)
class Item:
    question: str
    reference: str
    code: str | None
    aspect: str | None


@dataclass(frozen=True)
class Outcome:
    item: Item
    reply: str
    focus: str | None  # the procedure the reply presented as the answer, if it did
    ms: float

    @property
    def named(self) -> bool:
        if self.item.code is None:
            return False
        return self.item.code in self.reply or _name_start(self.item.code) in self.reply

    @property
    def recall(self) -> float:
        return fact_recall(self.item.reference, self.reply)

    @property
    def answered(self) -> bool:
        return (self.item.code is None or self.named) and self.recall >= FACT_THRESHOLD


def _name_start(code: str) -> str:
    from bot.actions.services import procedure_guide

    procedure = procedure_guide().get(code)
    return procedure.name[:NAME_START] if procedure else code


def read_items(path: Path) -> list[Item]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Item(r["question"], r.get("reference_answer", ""), r.get("procedure_code"), r.get("aspect"))
            for r in rows]


def _content(text: str) -> set[str]:
    text = _CURRENCY.sub("đồng", text.lower())
    while _THOUSANDS.search(text):
        text = _THOUSANDS.sub(r"\1\2", text)
    words = syllables(text)
    stop = default_lexicon().stop_mask(words)
    return {fold(s).lstrip("0") or "0" for s, is_stop in zip(words, stop) if not is_stop}


def fact_recall(reference: str, reply: str) -> float:
    """Share of the reference's content syllables that the reply contains (1.0 if it has none)."""
    wanted = _content(reference)
    return len(wanted & _content(reply)) / len(wanted) if wanted else 1.0


def ask(question: str) -> tuple[str, str | None, float]:
    """The chat action's reply to ``question`` as a first message: text (with button titles),
    the procedure it put in focus, and milliseconds."""
    from bot.actions.procedure import ActionAnswerProcedure

    tracker = Tracker(
        sender_id="eval", slots={}, latest_message={"text": question, "intent": {"name": "ask_procedure"},
                                                     "entities": []},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name=None,
    )
    dispatcher = CollectingDispatcher()
    start = time.perf_counter()
    events = ActionAnswerProcedure().run(dispatcher, tracker, {})
    ms = (time.perf_counter() - start) * 1000
    texts = [m.get("text") or "" for m in dispatcher.messages]
    texts += [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]
    focus = next((e["value"] for e in events if e.get("name") == "procedure_code"), None)
    return "\n".join(texts), focus, ms


def answer_all(items: list[Item]) -> list[Outcome]:
    """Every question's reply, after a few warm-up questions."""
    for item in items[:WARM_UP]:
        ask(item.question)
    return [Outcome(item, *ask(item.question)) for item in items]


def evaluate(outcomes: list[Outcome]) -> dict[str, object]:
    """The measures above, overall and by aspect and by typing (with or without diacritics)."""
    report: dict[str, object] = _measures(outcomes)
    by_aspect: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_aspect.setdefault(outcome.item.aspect or "-", []).append(outcome)
    report["by_aspect"] = {a: _measures(o, brief=True) for a, o in sorted(by_aspect.items())}
    report["without_diacritics"] = _measures(
        [o for o in outcomes if not has_diacritics(o.item.question)], brief=True)
    return report


def _share(flags: list[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else 0.0


def _measures(outcomes: list[Outcome], brief: bool = False) -> dict[str, object]:
    coded = [o for o in outcomes if o.item.code]
    confident = [o for o in coded if o.focus]
    measures: dict[str, object] = {
        "n": len(outcomes),
        "procedure_named": _share([o.named for o in coded]),
        "aspect_answered": _share([o.answered for o in outcomes]),
        "fact_recall": round(float(np.mean([o.recall for o in outcomes])), 4) if outcomes else 0.0,
    }
    if brief:
        return measures
    latencies = [o.ms for o in outcomes] or [0.0]
    return measures | {
        "confident_share": _share([bool(o.focus) for o in coded]),
        "confident_precision": _share([o.focus == o.item.code for o in confident]),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "p95_ms": round(float(np.percentile(latencies, 95)), 1),
    }
