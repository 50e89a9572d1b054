"""Scores each unit on the evidence in a petition and picks one, or the triage desk when unsure.

Evidence, strongest first: the named procedure's implementing agency, the procedure's field, the
service (category) the citizen picked, keywords of the text, and weights learned from officers'
re-routes. Commune committees share one keyword list; the location decides which commune.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from feedback.directory import Directory
from feedback.location import LocationMatch
from feedback.text import bigrams, contains_phrase, lower_clean, match_form
from knowledge.units import Unit
from nlu.text import fold_words, has_diacritics

COMMUNE = "@commune"  # the class of all commune committees, before the location picks one
AGENCY_POINTS = 6.0
FIELD_POINTS = 3.0
SERVICE_POINTS = 1.0
_CONFIDENCE_DAMPING = 1.0


@dataclass(frozen=True)
class ProcedureHint:
    """A procedure the petition is about, as the caller knows it (any field may be missing)."""

    code: str | None = None
    name: str | None = None
    field: str | None = None  # the catalogue's linh_vuc
    agency_id: str | None = None  # an id from the province's agency/unit directory
    agency_name: str | None = None  # the catalogue's implementing agency text


@dataclass(frozen=True)
class RoutingDecision:
    """The chosen unit, how sure we are and why, in words an officer can check."""

    unit_id: str
    confidence: float
    reason: str
    to_triage: bool
    ranking: tuple[tuple[str, float], ...] = field(default=())


def unit_class(unit: Unit | None, unit_id: str) -> str:
    """Learning and scoring treat every commune committee as one class."""
    return COMMUNE if unit is not None and unit.is_commune else unit_id


class Router:
    """Stateless apart from the directory and the learned weights it was built with."""

    def __init__(
        self,
        directory: Directory,
        weights: Mapping[str, Mapping[str, float]] | None = None,
        threshold: float = 0.5,
        keywords: dict | None = None,
    ) -> None:
        """``keywords``: another router's ``keywords`` on the same directory, not rebuilt (the
        service makes a router per filing; building the table costs more than routing)."""
        self.directory = directory
        self.weights = weights or {}
        self.threshold = threshold
        self._keywords = keywords if keywords is not None else self._keyword_table()

    @property
    def keywords(self) -> dict:
        return self._keywords

    def _keyword_table(self) -> dict[str, list[tuple[str, str, str]]]:
        """Per class, (accented form, folded form, shown phrase), longest first."""
        table: dict[str, list[tuple[str, str]]] = defaultdict(list)
        seen_commune = False
        for unit in self.directory.units.values():
            if unit.is_commune:
                if seen_commune:
                    continue
                seen_commune = True
            cls = unit_class(unit, unit.id)
            phrases = sorted({(lower_clean(k), fold_words(k)) for k in unit.keywords}, key=lambda p: -len(p[1]))
            table[cls] = (unit.keyword_weight, phrases)
        return table

    def route(
        self,
        text: str,
        location: LocationMatch | None = None,
        procedure: ProcedureHint | None = None,
        service_code: str | None = None,
    ) -> RoutingDecision:
        """Pick a unit; below the confidence threshold the triage desk gets it."""
        folded = fold_words(text)
        accented = has_diacritics(text)
        form = match_form(text)
        scores: dict[str, float] = defaultdict(float)
        reasons: dict[str, list[str]] = defaultdict(list)

        for cls, (weight, phrases) in self._keywords.items():
            matched: list[str] = []
            for acc_phrase, fold_phrase in phrases:
                phrase = acc_phrase if accented else fold_phrase
                if not phrase or any(contains_phrase(m, phrase) for m in matched):
                    continue
                if contains_phrase(form, phrase):
                    matched.append(phrase)
                    scores[cls] += weight * (1.0 + 0.5 * (len(phrase.split()) - 1))
            if matched:
                reasons[cls].append("từ khóa " + ", ".join(f"“{m}”" for m in matched[:5]))

        if procedure:
            self._procedure_evidence(procedure, scores, reasons)
        if service_code:
            service = self.directory.services.get(service_code)
            for cls in self._classes_for_service(service_code):
                scores[cls] += SERVICE_POINTS
                reasons[cls].append(f"loại phản ánh “{service.name if service else service_code}”")

        learned: dict[str, float] = defaultdict(float)
        for term in bigrams(folded):
            for cls, weight in self.weights.get(term, {}).items():
                learned[cls] += weight
        for cls, weight in learned.items():
            if abs(weight) >= 0.05:
                scores[cls] += weight
                reasons[cls].append(f"học từ các lần chuyển trước ({weight:+.1f})")

        return self._decide(scores, reasons, location)

    def _procedure_evidence(self, procedure: ProcedureHint, scores, reasons) -> None:
        label = f"thủ tục “{procedure.name}”" if procedure.name else "thủ tục được nêu"
        agency = self.directory.get(procedure.agency_id) if procedure.agency_id else None
        if agency is None and procedure.agency_name:
            agency = self.directory.unit_for_agency_name(procedure.agency_name)
        if agency is not None:
            cls = unit_class(agency, agency.id)
            scores[cls] += AGENCY_POINTS
            reasons[cls].append(f"{label} do đơn vị này thực hiện")
        if procedure.field:
            ffield = fold_words(procedure.field)
            for unit in self.directory.units.values():
                if any(fold_words(f) == ffield for f in unit.procedure_fields):
                    cls = unit_class(unit, unit.id)
                    if f"lĩnh vực “{procedure.field}”" not in reasons[cls]:
                        scores[cls] += FIELD_POINTS
                        reasons[cls].append(f"lĩnh vực “{procedure.field}”")

    def _classes_for_service(self, service_code: str) -> set[str]:
        return {
            unit_class(u, u.id) for u in self.directory.units.values() if service_code in u.services
        }

    def _decide(self, scores, reasons, location: LocationMatch | None) -> RoutingDecision:
        ranking = sorted(((c, s) for c, s in scores.items() if s > 0), key=lambda cs: -cs[1])
        triage = self.directory.triage_unit
        where = f" Địa điểm: {location.note}." if location else ""
        if not ranking:
            return RoutingDecision(triage, 0.0, "Không có dấu hiệu rõ về đơn vị phụ trách." + where,
                                   True, ())
        top_cls, top = ranking[0]
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        confidence = round(top / (top + second + _CONFIDENCE_DAMPING), 2)
        unit_id = top_cls
        if top_cls == COMMUNE:
            if location is None or location.unit_id is None:
                reason = ("Việc thuộc UBND cấp xã (" + "; ".join(reasons[COMMUNE])
                          + ") nhưng chưa xác định được xã/phường." + where)
                return RoutingDecision(triage, confidence, reason, True, tuple(ranking))
            unit_id = location.unit_id
        name = self.directory.name(unit_id)
        reason = f"{name}: " + "; ".join(reasons[top_cls]) + "." + where
        if len(ranking) > 1:
            other = self._display(ranking[1][0], location)
            reason += f" Phương án khác: {other} ({ranking[1][1]:.1f} điểm so với {top:.1f})."
        if confidence < self.threshold:
            reason = f"Chưa đủ chắc chắn ({confidence:.0%}), chuyển bộ phận điều phối. Gợi ý: " + reason
            return RoutingDecision(triage, confidence, reason, True, tuple(ranking))
        return RoutingDecision(unit_id, confidence, reason, False, tuple(ranking))

    def _display(self, cls: str, location: LocationMatch | None) -> str:
        if cls == COMMUNE:
            return self.directory.name(location.unit_id) if location and location.unit_id else "UBND cấp xã"
        return self.directory.name(cls)
