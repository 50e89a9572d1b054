"""Colloquial names of procedures, attached by rules on procedure names (``knowledge/data/aliases.yml``).

Rules instead of codes: codes change between catalogue versions and one procedure exists at several
levels under several codes; a rule on the name covers them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.normalize import folded

ALIASES_FILE = Path(__file__).resolve().parent.parent / "data" / "aliases.yml"


@dataclass(frozen=True)
class AliasRule:
    """Procedures whose folded name matches ``name`` (and not ``unless``) get ``aliases``."""

    name: re.Pattern[str]
    aliases: tuple[str, ...]
    unless: re.Pattern[str] | None = None

    def applies_to(self, procedure_name: str) -> bool:
        key = folded(procedure_name)
        return bool(self.name.search(key)) and not (self.unless and self.unless.search(key))


class AliasRules:
    """All rules of one aliases file."""

    def __init__(self, rules: list[AliasRule]) -> None:
        self.rules = rules

    @classmethod
    def load(cls, path: Path = ALIASES_FILE) -> AliasRules:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        return cls(
            [
                AliasRule(
                    re.compile(item["name"]),
                    tuple(str(a) for a in item["aliases"]),
                    re.compile(item["unless"]) if item.get("unless") else None,
                )
                for item in raw
            ]
        )

    def for_name(self, procedure_name: str) -> list[str]:
        """Every alias of every rule that applies to this procedure name, without repeats."""
        found: list[str] = []
        for rule in self.rules:
            if rule.applies_to(procedure_name):
                found.extend(a for a in rule.aliases if a not in found)
        return found
