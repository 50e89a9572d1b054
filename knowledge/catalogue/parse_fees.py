"""Fees (phí, lệ phí): a VND figure, free, or a rule ("depends") — never a guessed figure.

The portal writes some figures in thousands of đồng ("20 VNĐ" with a note "20.000 vnđ/tờ khai");
such a figure is scaled only when the note itself states the full amount. A small figure whose note
instead cites a tariff ("áp dụng mức phí 25.000 đồng/hồ sơ … theo Thông tư số 64/2025/TT-BTC") or
writes the same figure in USD depends on that rule; with no such note it stays unknown. Figures in
other currencies are rules for the bot to quote, not VND amounts. A fee the text says the provincial
council sets ("Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh … quyết định") is provincial: the
amount differs by province, so a figure written beside it is only kept as the catalogue's sample.
"""

from __future__ import annotations

import re

from knowledge.catalogue.text import clean
from knowledge.procedure import Fee, FeeKind

AMOUNT = r"\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?"
VND = r"Việt Nam Đồng|VNĐ|VND|Đồng|đồng|đ"
FIGURE = re.compile(rf"^(?P<amount>{AMOUNT})\s*(?P<currency>{VND}|USD|usd)?$")
NOTE_FIGURE = re.compile(rf"(?P<amount>{AMOUNT})\s*(?:{VND})\b", re.IGNORECASE)
NOTE_USD = re.compile(rf"(?P<amount>{AMOUNT})\s*USD\b", re.IGNORECASE)
LABEL = re.compile(r"^\s*(?:Lệ phí|Phí)\s*:\s*", re.IGNORECASE)
FREE_WORDS = re.compile(r"^(?:miễn phí|không|o|0)(?:\s*đồng)?$", re.IGNORECASE)
# A note that waives the fee, or that says there is none.
WAIVER = re.compile(r"^(?:miễn|không)", re.IGNORECASE)
# A note that points to a tariff set elsewhere: the fee depends on it.
RULE = re.compile(
    r"mức thu|mức phí|mức lệ phí|thực hiện theo|theo quy định|áp dụng|thông tư|nghị quyết|"
    r"hội đồng nhân dân|quyết định|đồng/|\d\s*đồng",
    re.IGNORECASE,
)
# The notes column sometimes says in words that there is no fee.
NO_FEE = re.compile(
    r"không (?:thu|mất|phải nộp|quy định(?: về)?[^.;]{0,40}) (?:phí|lệ phí)|miễn (?:phí|lệ phí)",
    re.IGNORECASE,
)

# The provincial council (HĐND cấp tỉnh) named as the one that sets the fee: "do Hội đồng nhân dân
# tỉnh … quyết định", "theo quy định của Hội đồng nhân dân cấp tỉnh", "thẩm quyền quyết định của
# Hội đồng nhân dân tỉnh", "Nghị quyết số 12/2020/NQ-HĐND".
_COUNCIL = r"(?:Hội đồng nhân dân|HĐND)"
PROVINCIAL = re.compile(
    rf"{_COUNCIL}[^.;]{{0,60}}?(?:quyết định|quy định)|"
    rf"(?:quyết định|quy định|thẩm quyền|nghị quyết)[^.;]{{0,60}}?{_COUNCIL}|NQ-HĐND",
    re.IGNORECASE,
)

# A sentence of the description that is about the fee ("Phí, lệ phí (nếu có): …").
FEE_SENTENCE = re.compile(r"(?:^|[\n.;])\s*[-+*]?\s*(?:Phí|Lệ phí)[^\n.;]*", re.IGNORECASE)


def amount_value(text: str) -> float:
    """A figure written with thousands separators (1,500,000 / 2.000.000) or a decimal (1.5)."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return float(re.sub(r"[.,]", "", text))
    return float(text.replace(",", "."))


def _split_note(text: str) -> tuple[str, str]:
    """The figure and the parenthesised note after it (the note may be cut off)."""
    head, sep, note = text.partition("(")
    return head.strip(), (sep + note).strip("() ") if sep else ""


def _free_or_rule(text: str, note: str) -> Fee:
    if note and not WAIVER.match(note.lstrip("-–:;. (")) and RULE.search(note):
        return Fee(FeeKind.DEPENDS, None, text)
    return Fee(FeeKind.FREE, None, text)


def _scaled(value: float, note: str) -> int | None:
    """The VND amount of a small figure, if the note states it in full (x 1.000)."""
    full = value * 1000
    stated = {amount_value(m["amount"]) for m in NOTE_FIGURE.finditer(note)}
    return int(full) if full in stated else None


def _from_description(description: str, cell: str) -> Fee:
    """An empty fee cell, read from what the description says about fees, if anything."""
    waived = NO_FEE.search(description)
    if waived:
        return Fee(FeeKind.FREE, None, waived.group(0))
    ruled = FEE_SENTENCE.search(description)
    if ruled and RULE.search(ruled.group(0)):
        return Fee(FeeKind.DEPENDS, None, ruled.group(0).strip())
    return Fee(FeeKind.UNKNOWN, None, cell)


def parse_fee(cell: str, description: str = "") -> Fee:
    """Classify one fee cell; the description is read only when the cell is empty.

    Whatever the cell says first ("Miễn phí", a figure, a rule), a text that names the provincial
    council as the one that sets the fee makes it :attr:`FeeKind.PROVINCIAL`.
    """
    fee = _classify(cell, description)
    if fee.kind is not FeeKind.UNKNOWN and PROVINCIAL.search(fee.text):
        return Fee(FeeKind.PROVINCIAL, fee.amount_vnd, fee.text)
    return fee


def _classify(cell: str, description: str) -> Fee:
    text = LABEL.sub("", clean(cell)).strip()
    if not text:
        return _from_description(description or "", clean(cell))
    head, note = _split_note(text)
    if re.fullmatch(VND, head):  # "Phí :  Đồng (Theo quy định…)": the figure is missing
        head = ""
    if not head:
        return Fee(FeeKind.DEPENDS if note else FeeKind.UNKNOWN, None, text)
    if FREE_WORDS.match(head):
        return _free_or_rule(text, note)
    figure = FIGURE.match(head)
    if not figure:
        return Fee(FeeKind.DEPENDS, None, text)
    value = amount_value(figure["amount"])
    if (figure["currency"] or "").upper() == "USD":
        return Fee(FeeKind.DEPENDS, None, text)
    if value == 0:
        return _free_or_rule(text, note)
    if value >= 1000:
        return Fee(FeeKind.AMOUNT, int(value), text)
    scaled = _scaled(value, note)
    if scaled is not None:
        return Fee(FeeKind.AMOUNT, scaled, text)
    in_usd = value in {amount_value(m["amount"]) for m in NOTE_USD.finditer(note)}
    if in_usd or RULE.search(note):
        return Fee(FeeKind.DEPENDS, None, text)
    return Fee(FeeKind.UNKNOWN, None, text)
