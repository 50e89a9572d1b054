"""What the action tests share: a rasa-sdk tracker for one message, and what the citizen reads —
the domain responses an action names rendered the way Rasa renders them, so every test also
checks that the response exists and that the action gives every value its text needs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.conftest import REPO_ROOT

DOMAIN: dict[str, Any] = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
# Rasa's interpolator (rasa/core/nlg/interpolator.py): "{name}", no braces or newline inside.
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


def tracker(
    text: str = "",
    intent: str | list[dict[str, Any]] = "ask_procedure",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: dict[str, Any] | None = None,
    sender_id: str = "citizen-1",
) -> Tracker:
    """The tracker an action receives for the citizen's latest message; ``intent`` may be a
    ranking, best first, as Rasa sends it (rasa-sdk reads the intent from the ranking)."""
    ranking = [{"name": intent, "confidence": 1.0}] if isinstance(intent, str) else intent
    latest = {"text": text, "intent": ranking[0], "intent_ranking": ranking,
              "entities": entities or [], "metadata": metadata or {}}
    return Tracker(sender_id, dict(slots or {}), latest, events or [], False, None, active_loop or {},
                   "action_listen")


@dataclass(frozen=True)
class Said:
    """One message as the citizen may read it: the response's name (None for a computed text),
    each text it can be (one per variation), and the buttons of each."""

    response: str | None
    texts: list[str]
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def says(self, part: str) -> bool:
        """Every variation says ``part``."""
        return bool(self.texts) and all(part in text for text in self.texts)


def _fill(text: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the action gives no value for {{{name}}} in «{text}»"
        return str(values[name])

    return PLACEHOLDER.sub(value, text)


def said(dispatcher: CollectingDispatcher, slots: dict[str, Any] | None = None) -> list[Said]:
    """The dispatcher's messages, domain responses rendered with the action's values and slots."""
    messages = []
    standard = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}
    for message in dispatcher.messages:
        values = {k: v for k, v in message.items() if k not in standard}
        name = message.get("response")
        if name is None:
            messages.append(Said(None, [message["text"]], [message["buttons"]], values))
            continue
        assert name in DOMAIN["responses"], f"{name} is not a response of domain.yml"
        variations = DOMAIN["responses"][name]
        assert variations, name
        filled = {**(slots or {}), **values}
        messages.append(Said(
            name,
            [_fill(v["text"], filled) for v in variations],
            [[*v.get("buttons", []), *message["buttons"]] for v in variations],
            values,
        ))
    return messages
