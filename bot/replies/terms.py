"""Time limits and fees per channel in plain words: both together, or only the one asked about.

Everything stated comes from the catalogue, or from the province's own resolution when the overlay
carries the fee its council set. What the catalogue leaves open (a figure with no unit, a fee set
by each province, no fee written at all) is said as it is, with where to ask.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.replies.text import shorten
from knowledge.catalogue.card import CHANNEL_NAMES
from knowledge.catalogue.overlay import ProvincialFee, ProvincialOverlay
from knowledge.procedure import Channel, Fee, FeeKind, Procedure, TimeLimit

ASK_TIME = "Hãy hỏi nơi nộp hồ sơ để biết chắc thời hạn."
ASK_FEE = "Hãy hỏi nơi nộp hồ sơ để biết số tiền."
PROVINCIAL = "do HĐND tỉnh quy định"
# Catalogue fees the province's figure stands in for: not a national figure, not "free".
REPLACEABLE = (FeeKind.PROVINCIAL, FeeKind.DEPENDS, FeeKind.UNKNOWN)
ONE_LINE = 160  # longer than this, channels go one a line


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _province_words(channel: Channel, province: ProvincialFee | None) -> str | None:
    """The province's own fee for this channel, where it stands in for the catalogue's."""
    if province is None or (channel.fee is not None and channel.fee.kind not in REPLACEABLE):
        return None
    amount = province.amount_for(channel.kind)
    return _money(amount) if amount is not None else province.text


def _fee_words(fee: Fee | None) -> str:
    """The catalogue's fee in words: "10.000 đồng", "Miễn phí", "do HĐND tỉnh quy định"…"""
    if fee is None or fee.kind is FeeKind.UNKNOWN:  # an untrusted "200 VNĐ" is not repeated
        return "chưa rõ"
    if fee.kind is FeeKind.PROVINCIAL:
        return PROVINCIAL
    if fee.kind is FeeKind.DEPENDS:  # quote the rule in the note, not a figure it overrides
        note = fee.text.partition("(")[2].strip("() ") or fee.text
        return f"tuỳ trường hợp, danh mục ghi «{shorten(note, 110)}»"
    return shorten(str(fee), 120)  # "Miễn phí", "10.000 đồng" (an amount never parsed: its text)


def _time_words(limit: TimeLimit | None) -> str:
    """The time limit in words, without "thời hạn" in front: "7 ngày làm việc"…"""
    if limit is None:
        return "danh mục chưa ghi"
    if limit.unitless and not limit.value:  # a "0" says nothing about the time
        return "chưa rõ (danh mục chỉ ghi số 0)"
    return shorten(limit.words(), 200)


def _grouped(procedure: Procedure, words: Callable[[Channel], str]) -> list[tuple[str, list[str]]]:
    """Channels that read the same share one entry, in the catalogue's order, each named once."""
    groups: dict[str, list[str]] = {}
    for channel in procedure.channels:
        names = groups.setdefault(words(channel), [])
        if CHANNEL_NAMES[channel.kind] not in names:
            names.append(CHANNEL_NAMES[channel.kind])
    return list(groups.items())


def _answer(label: str, groups: list[tuple[str, list[str]]]) -> str:
    """ "Lệ phí: 10.000 đồng.", per channel where channels differ (one line, or one a line when
    long), or "tuỳ trường hợp" where one channel has several rows (the portal's cases)."""
    if len(groups) == 1:
        return f"{label}: {groups[0][0]}."
    names = [name for _, kinds in groups for name in kinds]
    if len(names) != len(set(names)):  # the same channel twice: the rows are cases, not channels
        return f"{label} tuỳ trường hợp: {' hoặc '.join(words for words, _ in groups)}."
    parts = [(", ".join(kinds), words) for words, kinds in groups]
    line = "; ".join(f"{kinds.lower()} {words}" for kinds, words in parts)
    if len(line) <= ONE_LINE:
        return f"{label}: {line}."
    return "\n".join([f"{label}:", *(f"• {kinds}: {words}" for kinds, words in parts)])


def _unitless(procedure: Procedure) -> bool:
    return any(c.time_limit and c.time_limit.unitless for c in procedure.channels)


def _fee_notes(procedure: Procedure, province: ProvincialFee | None) -> list[str]:
    """The province's source when its figure is shown, or where to ask when no figure is known."""
    shown = any(_province_words(c, province) for c in procedure.channels)
    if shown and province is not None:
        return [f"Mức thu theo {province.source}."]
    unknown = any(c.fee is None or c.fee.kind in (FeeKind.PROVINCIAL, FeeKind.UNKNOWN)
                  for c in procedure.channels)
    return [ASK_FEE] if unknown else []


def time_text(procedure: Procedure) -> str:
    """Answer "thời hạn bao lâu?": one line, per channel only where the channels differ."""
    if not procedure.channels:
        return "Thời hạn giải quyết: danh mục chưa ghi."
    groups = _grouped(procedure, lambda channel: _time_words(channel.time_limit))
    lines = [_answer("Thời hạn giải quyết", groups)]
    if _unitless(procedure):
        lines.append(ASK_TIME)
    return "\n".join(lines)


def fee_text(procedure: Procedure, overlay: ProvincialOverlay | None = None) -> str:
    """Answer "lệ phí bao nhiêu?"; a fee the province set shows its figure and resolution."""
    if not procedure.channels:
        return f"Lệ phí: chưa rõ.\n{ASK_FEE}"
    province = overlay.fee_for(procedure) if overlay else None

    def words(channel: Channel) -> str:
        words = _province_words(channel, province) or _fee_words(channel.fee)
        return words[:1].lower() + words[1:]  # "Lệ phí: miễn phí."

    return "\n".join([_answer("Lệ phí", _grouped(procedure, words)),
                      *_fee_notes(procedure, province)])


def fee_and_time_text(procedure: Procedure, overlay: ProvincialOverlay | None = None) -> str:
    """One line per distinct (time limit, fee); channels that share them share a line."""
    if not procedure.channels:
        return "Lệ phí và thời hạn: danh mục chưa ghi rõ, xem trang chính thức."
    province = overlay.fee_for(procedure) if overlay else None

    def terms(channel: Channel) -> str:
        limit = channel.time_limit  # "thời hạn 7 ngày làm việc", "không quy định thời hạn"…
        time = shorten(limit.clause(), 200) if limit is not None else ""
        fee = "lệ phí " + (_province_words(channel, province) or _fee_words(channel.fee))
        return " — ".join(part for part in (time, fee) if part)

    lines = [f"• {', '.join(kinds)}: {words}" for words, kinds in _grouped(procedure, terms)]
    if _unitless(procedure):
        lines.append(ASK_TIME)
    lines.extend(_fee_notes(procedure, province))
    return "\n".join(lines)
