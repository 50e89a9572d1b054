"""The procedure as the rest of Một Cửa sees it, whatever catalogue it was parsed from.

Every parsed field keeps the original text beside it (``*_text`` / ``text``) so an officer can check
the parse, and so the bot can fall back to quoting the source when a value could not be parsed.
The bot only ever states what is in here: no invented fees, time limits or papers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum


class ChannelKind(StrEnum):
    """How a dossier can be submitted (hình thức nộp)."""

    ONLINE = "online"  # Trực tuyến
    IN_PERSON = "in_person"  # Trực tiếp
    POST = "post"  # Dịch vụ bưu chính


class FeeKind(StrEnum):
    """What the fee column says, once classified."""

    AMOUNT = "amount"  # a figure in VND
    FREE = "free"  # Miễn phí / Không
    DEPENDS = "depends"  # legal text or a rule, no single figure
    PROVINCIAL = "provincial"  # set by the provincial council (HĐND tỉnh); any amount is a sample
    UNKNOWN = "unknown"  # nothing usable in the source


class Level(StrEnum):
    """Level of government that handles the procedure (two local levels since 1 July 2025)."""

    MINISTRY = "bo"  # Cấp bộ
    PROVINCE = "tinh"  # Cấp tỉnh
    COMMUNE = "xa"  # Cấp xã
    OTHER = "khac"  # anything else the source names


class TimeLimitKind(StrEnum):
    """What the time limit cell (or, when it is empty, the channel's note) says, once classified."""

    DURATION = "duration"  # one figure: "7 Ngày làm việc", or a bare "1" with no unit
    NOT_SET = "not_set"  # "Không quy định": the law sets no time limit
    BY_CASE = "by_case"  # one figure per case (cấp mới / cấp lại), one of them applies
    BY_STAGE = "by_stage"  # one figure per stage (tiếp nhận, thẩm định…), one after another
    DEADLINE = "deadline"  # a deadline in words: "Chậm nhất là ngay trước khi tàu rời cảng"
    RULE = "rule"  # other words, quoted as they are: "Không phải trả kết quả cho người nộp thuế"


# What a bare figure ("7") is followed by, in words a citizen reads without a glossary.
UNITLESS = "danh mục chỉ ghi số, không ghi ngày, giờ hay tháng"


def _figure(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True)
class CaseTime:
    """The time of one case or stage, as the note states it: label, then value and unit."""

    label: str  # "cấp mới", "thẩm định hồ sơ"; "" for "02 ngày làm việc và 45 ngày"
    value: float | None  # None: the note sets no limit for this stage ("Không quy định")
    unit: str | None

    def __str__(self) -> str:
        time = "không quy định" if self.value is None else f"{_figure(self.value)} {self.unit}"
        return f"{self.label} {time}" if self.label else time


@dataclass(frozen=True)
class TimeLimit:
    """Processing time (thời hạn giải quyết), e.g. 3 ngày làm việc; ``text`` is the source's."""

    kind: TimeLimitKind
    text: str
    value: float | None = None  # DURATION only
    unit: str | None = None  # "ngày", "ngày làm việc", "giờ", "tháng"…; None if the source has none
    cases: tuple[CaseTime, ...] = ()  # BY_CASE / BY_STAGE only
    # Where a bare figure's unit was found, for the officer to check: "note" (the channel's own
    # note), "other_channel" (another channel's cell), "steps", "other_note", "conditions",
    # "result". None: the unit stands next to the figure in ``text``, or there is no unit.
    unit_source: str | None = None

    @property
    def unitless(self) -> bool:
        """A bare figure: the source gives a number and no unit ("1")."""
        return self.kind is TimeLimitKind.DURATION and not self.unit

    def clause(self) -> str:
        """The time limit as a clause: "thời hạn 7 ngày làm việc", "không quy định thời hạn"…"""
        if self.unitless and not self.value:  # "0": no time limit can be read from it
            return f"thời hạn chưa rõ (danh mục chỉ ghi số {self.text})"
        return f"thời hạn {self}" if self.kind is TimeLimitKind.DURATION else str(self)

    def words(self) -> str:
        """The time limit in words, without "thời hạn" in front: "7 ngày làm việc", "không quy
        định", "tuỳ trường hợp (cấp mới 28 ngày làm việc; …)", "«Chậm nhất là …»"."""
        cases = "; ".join(map(str, self.cases))
        if self.kind is TimeLimitKind.NOT_SET:
            return "không quy định"
        if self.kind is TimeLimitKind.BY_CASE:
            return f"tuỳ trường hợp ({cases})"
        if self.kind is TimeLimitKind.BY_STAGE:
            if not any(case.label for case in self.cases):
                return " và ".join(map(str, self.cases))
            return f"theo từng bước ({cases})"
        if self.kind is not TimeLimitKind.DURATION:
            return f"«{self.text}»"
        if self.value is None:
            return self.text
        if not self.unit:  # said plainly, never guessed: the citizen is told to ask
            return f"{_figure(self.value)} ({UNITLESS})"
        return f"{_figure(self.value)} {self.unit}"

    def __str__(self) -> str:
        """A figure alone ("7 ngày làm việc"); any other kind as a clause naming the time limit."""
        if self.kind is TimeLimitKind.DURATION:
            return self.words()
        if self.kind is TimeLimitKind.NOT_SET:
            return "không quy định thời hạn"
        if self.kind in (TimeLimitKind.DEADLINE, TimeLimitKind.RULE):
            return f"thời hạn: {self.words()}"
        return f"thời hạn {self.words()}"


@dataclass(frozen=True)
class Fee:
    """Fee or charge (phí, lệ phí) for one channel."""

    kind: FeeKind
    amount_vnd: int | None
    text: str

    def __str__(self) -> str:
        if self.kind is FeeKind.FREE:
            return "Miễn phí"
        if self.kind is FeeKind.AMOUNT and self.amount_vnd is not None:
            return f"{self.amount_vnd:,}".replace(",", ".") + " đồng"
        return self.text


@dataclass(frozen=True)
class Channel:
    """One way of submitting, with its own time limit and fee."""

    kind: ChannelKind
    time_limit: TimeLimit | None
    fee: Fee | None
    description: str = ""


class PaperKind(StrEnum):
    """What an item of the papers table is: the source mixes papers with notes and headings."""

    SUBMIT = "submit"  # nộp: handed in and kept in the dossier
    SHOW = "show"  # xuất trình: the original is shown for checking and handed back
    NOTE = "note"  # a note, condition, heading or rule: never counted as a paper


@dataclass(frozen=True)
class Paper:
    """One item of the papers table (thành phần hồ sơ) with how many originals and copies.

    ``kind`` says whether it is a paper at all; ``label`` is the law's own item label ("a", "2",
    "ii", "1.2"), so a list the source scrambled can be shown in the law's order.
    """

    name: str
    form: str | None = None  # mẫu đơn, tờ khai
    originals: int | None = None  # bản chính
    copies: int | None = None  # bản sao
    group: str | None = None  # section title ("Giấy tờ phải nộp") or case heading ("Trường hợp…")
    text: str = ""
    kind: PaperKind = PaperKind.SUBMIT
    label: str | None = None

    @property
    def is_paper(self) -> bool:
        """A paper the citizen brings (to hand in or to show), not a note about papers."""
        return self.kind is not PaperKind.NOTE


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure (thủ tục hành chính)."""

    code: str
    name: str
    source: str  # "dichvucong" | "bqp"
    field: str = ""  # lĩnh vực
    levels: tuple[Level, ...] = ()
    applicants: str = ""  # đối tượng thực hiện
    competent_agency: str = ""  # cơ quan có thẩm quyền
    implementing_agency: str = ""  # cơ quan thực hiện
    submission_address: str = ""  # địa chỉ tiếp nhận
    channels: tuple[Channel, ...] = ()
    channels_text: str = ""
    papers: tuple[Paper, ...] = ()
    papers_text: str = ""
    conditions: str = ""
    steps: tuple[str, ...] = ()
    steps_text: str = ""
    result: str = ""
    legal_basis: tuple[str, ...] = ()
    legal_basis_text: str = ""
    related: tuple[str, ...] = ()
    url: str = ""
    decision: str = ""  # số quyết định công bố
    extra: dict[str, str] = dataclasses.field(default_factory=dict)  # ``field`` is a field name here

    def channel(self, kind: ChannelKind) -> Channel | None:
        """The channel of that kind, if the procedure offers it."""
        return next((c for c in self.channels if c.kind is kind), None)

    @property
    def online(self) -> bool:
        """True when the catalogue lists online submission (nộp trực tuyến)."""
        return self.channel(ChannelKind.ONLINE) is not None

    @property
    def required_papers(self) -> tuple[Paper, ...]:
        """Papers to hand in or show, in the law's order: what a checklist walks through."""
        return tuple(p for p in self.papers if p.is_paper)

    @property
    def papers_to_submit(self) -> tuple[Paper, ...]:
        """Papers handed in (nộp)."""
        return tuple(p for p in self.papers if p.kind is PaperKind.SUBMIT)

    @property
    def papers_to_show(self) -> tuple[Paper, ...]:
        """Originals shown for checking (xuất trình), not kept."""
        return tuple(p for p in self.papers if p.kind is PaperKind.SHOW)

    @property
    def paper_notes(self) -> tuple[Paper, ...]:
        """Notes, conditions, headings and rules of the papers table: never counted as papers."""
        return tuple(p for p in self.papers if p.kind is PaperKind.NOTE)
