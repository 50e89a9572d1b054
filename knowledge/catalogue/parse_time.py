"""Time limits (thời hạn giải quyết): "7 Ngày làm việc", a bare "1", "Không quy định", a rule in
words, or — when the cell is empty — what the channel's note states: one duration, one duration
per case or per stage, or an explicit "no time limit".

Nothing is guessed: a unit comes only from the source, and a note is read only where it states the
time itself (each duration with its case or stage written next to it). A bare figure whose note
has no unit for it may borrow one from the rest of the procedure (:func:`borrow_unit`), but only
from a phrase that states a time limit with that same figure ("Trong thời hạn 07 ngày làm việc kể
từ ngày nhận được hồ sơ…"), never from a sub-step (checking the dossier, asking for more papers),
a date, a threshold or a condition ("có từ 01 năm trở lên").
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable

from knowledge.catalogue.text import clean
from knowledge.procedure import CaseTime, TimeLimit, TimeLimitKind

UNITS = ("ngày làm việc", "giờ làm việc", "ngày", "giờ", "tháng", "tuần", "năm", "phút")
_UNIT = "|".join(UNITS)
NUMBER = r"\d+(?:[.,]\d+)?"
# A time limit cell: a number and a unit ("7 Ngày làm việc"), or a bare number.
CELL = re.compile(rf"^(?P<value>{NUMBER})\s*(?P<unit>{_UNIT})?$", re.IGNORECASE)
RANGE = re.compile(rf"^{NUMBER}\s*[-–]\s*{NUMBER}$")  # "10-25"
# A duration inside free text; "sau 15 giờ" / "trước 10 giờ" are clock times, "ngày 20 tháng 4" /
# "tháng 11 năm 2016" dates, and "quá 24 giờ" (but not "không quá 24 giờ") a threshold, not a limit.
# The figure may be spelt out in brackets: "15 (mười lăm) ngày".
DURATION = re.compile(
    rf"(?<!sau )(?<!trước )(?<!lúc )(?<!đến )(?<!ngày )(?<!tháng )(?<!(?<!không )quá )(?<![\d/.,])"
    rf"(?P<value>{NUMBER})(?:\s*\([^()\d]{{1,25}}\))?\s*(?P<unit>{_UNIT})\b",
    re.IGNORECASE,
)
NOT_SET = re.compile(r"^(?:không|chưa) quy định\b", re.IGNORECASE)
DEADLINE = re.compile(r"chậm nhất|trước khi|ngay (?:sau )?khi", re.IGNORECASE)
# What a note says when it states the time itself, without a figure.
NOTE_NOT_SET = re.compile(
    r"(?:không|chưa) quy định (?:cụ thể )?(?:về )?(?:thời hạn|thời gian) giải quyết", re.IGNORECASE
)
NOTE_RULE = re.compile(r"thời (?:hạn|gian) giải quyết(?: hồ sơ)?[ \t]*:[ \t]*(?P<rule>[^\n]*\w)",
                       re.IGNORECASE)
# Per case / per stage: a stage that has no limit ("Thời hạn tiếp nhận, thẩm định hồ sơ: Không quy
# định."), the bullets that start an item, and what ends the clause a duration belongs to.
STAGE_NOT_SET = re.compile(r"thời (?:hạn|gian)[^:\n;]*:\s*(?P<none>không quy định)\b",
                           re.IGNORECASE)
BULLET = re.compile(r"(?:\A|(?<=[\n.;:]))\s*(?:[-+*•]\s*|(?:[a-zđ]\)|\(\d+\)|\d+\.)\s)",
                    re.IGNORECASE)
CLAUSE_END = re.compile(r"[\n;]|\.(?=\s|$)")
CASE = re.compile(r"^(?:đối với\s+)?(?:các\s+)?trường h[ợơ]p\s+|^đối với\s+", re.IGNORECASE)
LABEL_HEAD = re.compile(r"^[\s\-+*•:,.]*(?:(?:[a-zđ]\)|\(\d+\)|\d+\.)\s*)?(?:thời (?:hạn|gian)\s+)?",
                        re.IGNORECASE)
LABEL_TAIL = re.compile(r"(?:[\s:,]+|\s*\b(?:là|trong thời hạn|trong vòng|trong|tối đa|thì))$",
                        re.IGNORECASE)
GENERIC = re.compile(r"^(?:giải quyết(?: hồ sơ)?|thời (?:hạn|gian)|và)?$", re.IGNORECASE)
CASE_AFTER = re.compile(r"\s*\((?P<case>(?:đối với|trường hợp)[^()]*)\)", re.IGNORECASE)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def durations(text: str) -> list[tuple[float, str, str]]:
    """Every (value, unit, phrase) duration written in a free text."""
    return [
        (_number(m["value"]), m["unit"].lower(), m.group(0))
        for m in DURATION.finditer(text or "")
    ]


def _unit_of(value: float, note: str) -> str | None:
    """The one unit the note writes after ``value``, if exactly one."""
    units = {unit for number, unit, _ in durations(note) if number == value}
    return units.pop() if len(units) == 1 else None


# A phrase that states a time limit: the words just before the figure, or "kể từ" (counted from an
# event) after it in the same sentence. Not: "sau thời hạn 01 năm", "ít nhất 01 ngày … trước",
# "có từ 01 năm trở lên", "(01 năm một lần)", "01 ngày 15/3/2020" (a date).
LIMIT_BEFORE = re.compile(
    r"(?:thời hạn|thời gian|trong vòng|trong|không quá|tối đa|chậm nhất)"
    r"(?:[\s:,]|là|giải quyết|hồ sơ)*$",
    re.IGNORECASE,
)
LIMIT_AFTER = re.compile(r"^[^.;\n]{0,80}?\b(?:kể từ|tính từ)\b", re.IGNORECASE)
NOT_LIMIT_BEFORE = re.compile(
    r"\b(?:sau|ít nhất|tối thiểu|từ|mỗi|hơn|quá hạn)\s*(?:thời hạn|thời gian)?\s*$", re.IGNORECASE
)
NOT_LIMIT_AFTER = re.compile(
    r"^\s*(?:\([^()]*\)\s*)?(?:trở lên|trở xuống|một lần|trước|liên tục|gần nhất|tiếp theo|\d)",
    re.IGNORECASE,
)
# A sentence about one sub-step, whose time is not the procedure's: checking or completing the
# dossier ("trả lời tính đầy đủ của hồ sơ trong 01 ngày làm việc", "có văn bản … để bổ sung, hoàn
# thiện hồ sơ", "Tiếp nhận hồ sơ: Trong thời hạn 01 ngày làm việc …").
SUB_STEP = re.compile(
    r"tính (?:đầy đủ|hợp lệ)|bổ sung, hoàn thiện|hoàn thiện hồ sơ|(?:yêu cầu|cần) bổ sung|"
    r"còn thiếu|(?:chưa|không) đầy đủ|"
    r"(?:hướng dẫn|đề nghị)[^.;\n]{0,60}bổ sung|tiếp nhận hồ sơ\s*:|kiểm tra và tiếp nhận|"
    r"kiểm tra thành phần hồ sơ|trả lời ngay",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"[\n;]|\.(?=\s)")


def _sentence(text: str, start: int, end: int) -> tuple[str, str]:
    """The part of the sentence before ``start`` and after ``end`` (each at most 250 characters)."""
    head = text[max(0, start - 250) : start]
    cut = [m.end() for m in SENTENCE_END.finditer(head)]
    tail = text[end : end + 250]
    stop = SENTENCE_END.search(tail)
    return head[cut[-1] :] if cut else head, tail[: stop.start()] if stop else tail


def limit_units(value: float, text: str) -> set[str]:
    """Units written after ``value`` where ``text`` states a time limit (:data:`LIMIT_BEFORE`)."""
    text = unicodedata.normalize("NFC", text or "")
    units = set()
    for match in DURATION.finditer(text):
        if _number(match["value"]) != value:
            continue
        before, after = _sentence(text, match.start(), match.end())
        if NOT_LIMIT_BEFORE.search(before) or NOT_LIMIT_AFTER.match(after):
            continue
        if not (LIMIT_BEFORE.search(before) or LIMIT_AFTER.match(after)):
            continue
        if SUB_STEP.search(before + match.group(0) + after):
            continue
        units.add(match["unit"].lower())
    return units


def borrow_unit(
    value: float, sources: Iterable[tuple[str, set[str] | str]]
) -> tuple[str, str] | None:
    """(unit, source name) for a bare figure, from the first source that writes it as a time limit.

    ``sources`` are (name, text) pairs, strongest first, or (name, units) where the units are
    already known (another channel's cell). The first source that has the figure decides: one
    unit, or — when it writes the figure with two units — none, rather than a weaker source's.
    """
    for name, source in sources:
        units = set(source) if isinstance(source, set) else limit_units(value, source)
        if units:
            return (units.pop(), name) if len(units) == 1 else None
    return None


def _in_words(text: str) -> TimeLimit:
    """A time limit written as words: no limit set, a deadline, or another rule to quote."""
    if NOT_SET.match(text):
        return TimeLimit(TimeLimitKind.NOT_SET, text)
    if DEADLINE.search(text):
        return TimeLimit(TimeLimitKind.DEADLINE, text)
    return TimeLimit(TimeLimitKind.RULE, text)


def _outside_brackets(text: str) -> list[bool]:
    """For each character, whether it is outside brackets (a bracket qualifies what precedes it)."""
    depth, outside = 0, []
    for char in text:
        depth = max(depth + {"(": 1, ")": -1}.get(char, 0), 0)
        outside.append(depth == 0 and char != ")")
    return outside


def _label(region: str) -> tuple[str, bool]:
    """The case or stage named just before a duration, and whether it names a case (trường hợp)."""
    text = LABEL_HEAD.sub("", region.rsplit("\n", 1)[-1], count=1)
    while (trimmed := LABEL_TAIL.sub("", text)) != text:
        text = trimmed
    case = CASE.match(text)
    if case:
        text = text[case.end() :]
    return ("" if GENERIC.match(text) else text), case is not None


def _clause_end(note: str, start: int) -> int:
    end = CLAUSE_END.search(note, start)
    return end.end() if end else len(note)


def _by_case(note: str) -> TimeLimit | None:
    """Durations per case or per stage, each with the case or stage the note writes next to it.

    Accepted only when the note is flat: each item in its own bullet (or no bullets at all), no
    case heading opening a sub-list after the first item, and every item labelled — except a bare
    "A và B" ("02 ngày làm việc và 45 ngày"), kept as written. Anything else stays unread.
    """
    outside = _outside_brackets(note)
    found = [(m.start(), m.end(), _number(m["value"]), m["unit"].lower())
             for m in DURATION.finditer(note)]
    found += [(m.start("none"), m.end(), None, None) for m in STAGE_NOT_SET.finditer(note)]
    items = sorted(item for item in found if outside[item[0]])
    if len(items) < 2:
        return None
    bullets = list(BULLET.finditer(note))
    starts = [b.start() for b in bullets]
    segments = [bisect_right(starts, start) for start, *_ in items]
    if bullets and len(set(segments)) < len(segments):
        return None
    for number, bullet in enumerate(bullets, start=1):
        heading = note[bullet.end() : _clause_end(note, bullet.end())]
        if bullet.start() > items[0][0] and number not in segments and CASE.match(heading):
            return None
    cases, joiners, any_case, stop, first = [], [], False, 0, None
    for (start, end, value, unit), segment in zip(items, segments):
        begin = max(stop, starts[segment - 1] if segment else 0)
        begin = max([begin, *(m.end() for m in CLAUSE_END.finditer(note, begin, start))])
        first = begin if first is None else first
        region, stop = note[begin:start], end
        joiners.append(region.strip().lower())
        after = CASE_AFTER.match(note, stop)
        if after:
            region, stop = after["case"], after.end()
        label, is_case = _label(region)
        any_case = any_case or is_case
        cases.append(CaseTime(label, value, unit))
    labelled = [bool(case.label) for case in cases]
    if not all(labelled) and (any(labelled) or any(j != "và" for j in joiners[1:])):
        return None
    kind = TimeLimitKind.BY_CASE if any_case else TimeLimitKind.BY_STAGE
    return TimeLimit(kind, note[first : _clause_end(note, stop)].strip(), cases=tuple(cases))


def _from_note(note: str) -> TimeLimit | None:
    """What an empty cell's note states about the time, if it states it; else None."""
    found = durations(note)
    if len(found) == 1 and not STAGE_NOT_SET.search(note):
        value, unit, phrase = found[0]
        return TimeLimit(TimeLimitKind.DURATION, phrase.strip(), value, unit)
    if found:
        return _by_case(note)
    not_set = NOTE_NOT_SET.search(note)
    if not_set:
        return TimeLimit(TimeLimitKind.NOT_SET, not_set.group(0))
    rule = NOTE_RULE.search(note)
    return _in_words(rule["rule"]) if rule else None


def parse_time_limit(cell: str, note: str = "") -> TimeLimit | None:
    """Read a time limit cell; a bare number or an empty cell borrows from the note.

    Only the channel's own note is read (the steps often name the time of one sub-step): for a bare
    number, the unit the note writes after the same number, if just one; for an empty cell, what
    the note states (:func:`_from_note`). None when the source says nothing about the time.
    """
    text = unicodedata.normalize("NFC", clean(cell))
    note = unicodedata.normalize("NFC", note or "")
    if not text:
        return _from_note(note)
    match = CELL.match(text)
    if match:
        value = _number(match["value"])
        unit = (match["unit"] or "").lower()
        borrowed = None if unit else _unit_of(value, note)
        return TimeLimit(TimeLimitKind.DURATION, text, value, unit or borrowed or None,
                         unit_source="note" if borrowed else None)
    if RANGE.match(text):
        written = re.search(rf"{re.escape(text)}\s*(?:{_UNIT})\b", note, re.IGNORECASE)
        return TimeLimit(TimeLimitKind.RULE, written.group(0) if written else text)
    return _in_words(text)
