"""Coverage report: for each parsed field, how many procedures it was parsed for, and which not."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from knowledge.catalogue.text import clean
from knowledge.procedure import FeeKind, Procedure


@dataclass(frozen=True)
class Measure:
    """One line of the report: ``parsed`` of ``eligible`` procedures, and the codes left."""

    key: str
    label: str
    eligible: int
    parsed: int
    missing: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.parsed / self.eligible if self.eligible else 1.0


def _time_parsed(p: Procedure) -> bool:
    return all(c.time_limit and c.time_limit.value is not None for c in p.channels)


def _time_with_unit(p: Procedure) -> bool:
    return all(c.time_limit and c.time_limit.value is not None and c.time_limit.unit
               for c in p.channels)


def _fee_stated(p: Procedure) -> bool:
    return all(c.fee and (c.fee.kind is not FeeKind.UNKNOWN or c.fee.text) for c in p.channels)


def _fee_classified(p: Procedure) -> bool:
    return all(c.fee and c.fee.kind is not FeeKind.UNKNOWN for c in p.channels)


def _itemised(p: Procedure) -> bool:
    return bool(p.papers) and all(x.originals is not None or x.copies is not None
                                  for x in p.papers[:-1])


Check = tuple[str, str, Callable[[Procedure], bool], Callable[[Procedure], bool]]
CHECKS: tuple[Check, ...] = (
    ("channels_with_time_limit", "Thời hạn giải quyết đọc được số",
     lambda p: bool(p.channels), _time_parsed),
    ("channels_with_time_unit", "Thời hạn giải quyết có cả đơn vị",
     lambda p: bool(p.channels), _time_with_unit),
    ("fees_classified", "Phí, lệ phí đã phân loại (số tiền / miễn phí / theo quy định)",
     lambda p: bool(p.channels), _fee_classified),
    ("fees_classified_where_stated", "Phí, lệ phí đã phân loại, khi nguồn có ghi phí",
     lambda p: bool(p.channels) and _fee_stated(p), _fee_classified),
    ("papers_itemised", "Thành phần hồ sơ tách được từng giấy tờ",
     lambda p: bool(clean(p.papers_text)), _itemised),
    ("levels", "Cấp thực hiện", lambda p: True, lambda p: bool(p.levels)),
    ("steps", "Trình tự thực hiện", lambda p: bool(clean(p.steps_text)), lambda p: bool(p.steps)),
    ("legal_basis", "Căn cứ pháp lý", lambda p: bool(clean(p.legal_basis_text)),
     lambda p: bool(p.legal_basis)),
    ("result", "Kết quả", lambda p: True, lambda p: bool(p.result)),
)


def coverage(procedures: Iterable[Procedure]) -> list[Measure]:
    """One :class:`Measure` per check, over the given procedures."""
    items = list(procedures)
    measures = []
    for key, label, eligible, parsed in CHECKS:
        pool = [p for p in items if eligible(p)]
        missing = tuple(p.code for p in pool if not parsed(p))
        measures.append(Measure(key, label, len(pool), len(pool) - len(missing), missing))
    return measures


def summary(procedures: Iterable[Procedure]) -> dict[str, int | float]:
    """The report as one flat JSON object: counts of procedures, and shares."""
    items = list(procedures)
    result: dict[str, int | float] = {
        "procedures": len(items),
        "with_channel_table": sum(bool(p.channels) for p in items),
        "with_papers": sum(bool(clean(p.papers_text)) for p in items),
        "fees_stated": sum(bool(p.channels) and _fee_stated(p) for p in items),
    }
    for measure in coverage(items):
        result[measure.key] = measure.parsed
        result[f"{measure.key}_share"] = round(measure.share, 4)
    return result
