"""Coverage report: for each parsed field, how many procedures it was parsed for, and which not."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from knowledge.catalogue.text import clean
from knowledge.procedure import FeeKind, PaperKind, Procedure, TimeLimitKind


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


# Time limits that count as read: a figure, "no time limit set", a figure per case or per stage,
# or a deadline in words. Other words ("Không phải trả kết quả cho người nộp thuế", "theo Quy chế
# làm việc của Chính phủ") are quoted to the citizen but state no limit, so they do not count.
COUNTED_TIME_KINDS = (TimeLimitKind.DURATION, TimeLimitKind.NOT_SET, TimeLimitKind.BY_CASE,
                      TimeLimitKind.BY_STAGE, TimeLimitKind.DEADLINE)
TIME_KIND_LABELS = {
    TimeLimitKind.DURATION: "một con số (7 ngày làm việc; có khi chỉ «1», không đơn vị)",
    TimeLimitKind.NOT_SET: "không quy định thời hạn",
    TimeLimitKind.BY_CASE: "theo từng trường hợp (cấp mới / cấp lại…)",
    TimeLimitKind.BY_STAGE: "theo từng bước (tiếp nhận, thẩm định…)",
    TimeLimitKind.DEADLINE: "hạn chót bằng lời (chậm nhất là trước khi tàu rời cảng…)",
    TimeLimitKind.RULE: "lời khác, trích nguyên văn",
}


def _time_parsed(p: Procedure) -> bool:
    return all(c.time_limit and c.time_limit.kind in COUNTED_TIME_KINDS for c in p.channels)


def _time_with_unit(p: Procedure) -> bool:
    return all(c.time_limit and c.time_limit.kind is TimeLimitKind.DURATION and c.time_limit.unit
               for c in p.channels)


def _fee_stated(p: Procedure) -> bool:
    return all(c.fee and (c.fee.kind is not FeeKind.UNKNOWN or c.fee.text) for c in p.channels)


def _fee_classified(p: Procedure) -> bool:
    return all(c.fee and c.fee.kind is not FeeKind.UNKNOWN for c in p.channels)


def _itemised(p: Procedure) -> bool:
    """Real papers (notes and headings do not count), each with its counts but for at most one:
    the portal's last item has no count after it."""
    papers = p.required_papers
    return bool(papers) and sum(x.originals is None and x.copies is None for x in papers) <= 1


Check = tuple[str, str, Callable[[Procedure], bool], Callable[[Procedure], bool]]
CHECKS: tuple[Check, ...] = (
    ("channels_with_time_limit",
     "Thời hạn giải quyết đã phân tích (con số, không quy định, theo trường hợp / bước, hạn chót)",
     lambda p: bool(p.channels), _time_parsed),
    ("channels_with_time_unit", "Thời hạn giải quyết là con số có cả đơn vị",
     lambda p: bool(p.channels), _time_with_unit),
    ("fees_classified", "Phí, lệ phí đã phân loại (số tiền / miễn phí / theo quy định)",
     lambda p: bool(p.channels), _fee_classified),
    ("fees_classified_where_stated", "Phí, lệ phí đã phân loại, khi nguồn có ghi phí",
     lambda p: bool(p.channels) and _fee_stated(p), _fee_classified),
    ("papers_itemised", "Thành phần hồ sơ tách được từng giấy tờ (không tính ghi chú)",
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


def time_kinds(procedures: Iterable[Procedure]) -> dict[str, int]:
    """How many channels have each kind of time limit ("none": the source says nothing)."""
    counts = dict.fromkeys([*TimeLimitKind, "none"], 0)
    for channel in (c for p in procedures for c in p.channels):
        counts[channel.time_limit.kind if channel.time_limit else "none"] += 1
    return {str(kind): count for kind, count in counts.items()}


def paper_kinds(procedures: Iterable[Procedure]) -> dict[str, int]:
    """Items of the papers tables by kind, and how many procedures mix notes into their papers.

    ``paper_items_*`` count items; ``with_paper_notes`` / ``with_papers_to_show`` count procedures.
    """
    items = list(procedures)
    counts = {f"paper_items_{kind}": 0 for kind in PaperKind}
    for paper in (x for p in items for x in p.papers):
        counts[f"paper_items_{paper.kind}"] += 1
    counts["with_paper_notes"] = sum(bool(p.paper_notes) for p in items)
    counts["with_papers_to_show"] = sum(bool(p.papers_to_show) for p in items)
    return counts


def summary(procedures: Iterable[Procedure]) -> dict[str, int | float]:
    """The report as one flat JSON object: counts of procedures, and shares.

    ``channels_time_<kind>`` count channels, not procedures: one procedure may mix kinds.
    """
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
    result.update(paper_kinds(items))
    result["channels"] = sum(len(p.channels) for p in items)
    for kind, count in time_kinds(items).items():
        result[f"channels_time_{kind}"] = count
    return result
