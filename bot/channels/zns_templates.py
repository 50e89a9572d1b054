"""The province's ZNS templates: which approved template carries which petition notice.

Zalo delivers a ZNS (Zalo Notification Service) message only through a template it has approved,
with named parameters of limited length. Each province lists its templates in
``provinces/<province>/zns_templates.yml``. This module loads that file and fills a template from
a notice's data, refusing a missing or over-long value *before* any call to Zalo, so the refusal
names our parameter instead of Zalo's generic "template data invalid".

A notice travels in ``BotMessage.data`` (see ``notice_data``): its kind, a unique id and the values
the templates may use. The text of the message is what the other channels show; ZNS ignores it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

# The petition notices a template may be configured for. "received" is the filing receipt; the
# others follow the officer actions of feedback.service (accept, request_info, transfer, reject,
# answer).
NOTICE_KINDS = ("received", "accepted", "info_requested", "transferred", "rejected", "answered")
# The values a notice may carry, all strings: what a template parameter's ``from`` may name.
NOTICE_FIELDS = ("code", "unit", "status", "due", "date")
TEMPLATES_FILE = "zns_templates.yml"
_PLACEHOLDER = re.compile(r"<(\w+)>")


class TemplateFileError(ValueError):
    """The template file is malformed: the province must fix it before ZNS can start."""


class ParamError(ValueError):
    """A template parameter cannot be filled from this notice; ``param`` names it."""

    def __init__(self, param: str, problem: str) -> None:
        super().__init__(f"parameter {param!r} {problem}")
        self.param = param


@dataclass(frozen=True)
class Param:
    """One template parameter: a notice field or a fixed value, at most ``max_length`` long."""

    name: str
    max_length: int
    source: str | None = None
    value: str | None = None

    def fill(self, data: Mapping[str, str]) -> str:
        text = self.value if self.source is None else str(data.get(self.source) or "")
        text = " ".join((text or "").split())
        if not text:
            raise ParamError(self.name, f"is empty (notice field {self.source!r} missing)")
        if len(text) > self.max_length:
            raise ParamError(self.name,
                             f"is {len(text)} characters, the template allows {self.max_length}")
        return text


@dataclass(frozen=True)
class Template:
    """The template of one notice kind; ``template_id`` is None until Zalo has approved one."""

    notice: str
    template_id: str | None
    params: tuple[Param, ...]

    def fill(self, data: Mapping[str, str]) -> dict[str, str]:
        """``template_data`` for Zalo; raises ``ParamError`` naming the first bad parameter."""
        return {param.name: param.fill(data) for param in self.params}


@dataclass(frozen=True)
class TemplateBook:
    """All templates of a province, by notice kind."""

    templates: Mapping[str, Template]

    def registered(self, notice: str) -> Template | None:
        """The template to send this notice with, or None when none is approved yet."""
        template = self.templates.get(notice)
        return template if template is not None and template.template_id else None


def notice_data(kind: str, notice_id: str | int, code: str, *, unit: str = "", status: str = "",
                due: date | None = None, on: date | None = None) -> dict[str, str]:
    """The ``BotMessage.data`` of a petition notice; ``notice_id`` must be unique per notice
    (a random id drawn when it is queued), because ZNS's idempotency key is derived from it."""
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    data = {"notice": kind, "id": str(notice_id), "code": code, "unit": unit, "status": status,
            "due": f"{due:%d/%m/%Y}" if due else "", "date": f"{on:%d/%m/%Y}" if on else ""}
    return {key: value for key, value in data.items() if value}


def load_templates(path: Path) -> TemplateBook:
    """The templates of ``path``; an absent file means no template at all (ZNS sends nothing)."""
    if not path.exists():
        return TemplateBook({})
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = raw.get("templates") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise TemplateFileError(f"{path}: a 'templates' mapping is required")
    return TemplateBook({notice: _template(path, notice, entry)
                         for notice, entry in entries.items()})


def _template(path: Path, notice: str, entry: Any) -> Template:
    where = f"{path}: templates.{notice}"
    if notice not in NOTICE_KINDS:
        raise TemplateFileError(f"{where}: unknown notice (known: {', '.join(NOTICE_KINDS)})")
    if not isinstance(entry, dict) or not isinstance(entry.get("params"), dict):
        raise TemplateFileError(f"{where}: 'template_id' and a 'params' mapping are required")
    template_id = str(entry.get("template_id") or "").strip()
    params = tuple(_param(f"{where}.params.{name}", str(name), spec)
                   for name, spec in entry["params"].items())
    written = set(_PLACEHOLDER.findall(str(entry.get("content") or "")))
    if entry.get("content") and written != {p.name for p in params}:
        raise TemplateFileError(f"{where}: the <parameters> of 'content' and 'params' differ")
    # Zalo's template ids are numbers: anything else is the shipped placeholder ("cần đăng ký").
    return Template(notice, template_id if template_id.isdigit() else None, params)


def _param(where: str, name: str, spec: Any) -> Param:
    if not isinstance(spec, dict) or not isinstance(spec.get("max"), int) or spec["max"] <= 0:
        raise TemplateFileError(f"{where}: 'max' (a positive number of characters) is required")
    source, value = spec.get("from"), spec.get("value")
    if (source is None) == (value is None):
        raise TemplateFileError(f"{where}: give exactly one of 'from' (a notice field) or 'value'")
    if source is not None and source not in NOTICE_FIELDS:
        raise TemplateFileError(f"{where}: 'from' must be one of {', '.join(NOTICE_FIELDS)}")
    if value is not None and len(str(value)) > spec["max"]:
        raise TemplateFileError(f"{where}: the fixed value is longer than 'max'")
    return Param(name, spec["max"], source, None if value is None else str(value))
