"""Removing personal data before anything is shown publicly (public page, Open311 GET).

Covers e-mail addresses, phone numbers, ID numbers (CMND 9 digits, CCCD 12 digits), exact house
numbers and personal names introduced by a form of address or "tên là". Deliberately
over-eager: hiding a street name by mistake costs less than publishing a person.
"""

from __future__ import annotations

import re

_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_LOWER = "a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_NAME_WORD = f"[{_UPPER}][{_LOWER}]+"
_NAME = f"{_NAME_WORD}(?:\\s+{_NAME_WORD}){{0,4}}"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)")
_HOUSE = re.compile(
    r"\b(số nhà|nhà số|số|nhà|ngõ|ngách|hẻm|kiệt|phòng|căn hộ|lô)\s+\d+[\w/\-]*",
    re.IGNORECASE | re.UNICODE,
)
_HOUSE_BEFORE_STREET = re.compile(r"(?<![\w/])\d+[A-Za-z]?(?:/\d+)*\s+(?=(?:đường|phố|Đường|Phố)\s)")
_NAME_CUE = re.compile(
    r"\b(tôi là|tên là|tên tôi là|tên|họ tên|họ và tên|ông|bà|anh|chị|cô|chú|bác|em|cháu|cụ|"
    r"gia đình|hộ)\s*:?\s+((?-i:" + _NAME + "))",
    re.IGNORECASE | re.UNICODE,
)


_STREET_BEFORE = re.compile(r"(đường|phố|trường|chùa|đền|cầu)\s+$", re.IGNORECASE)


def _redact_names(text: str) -> str:
    def sub(match: re.Match) -> str:
        # Street and place names ("đường Bà Triệu") are public, not people.
        if _STREET_BEFORE.search(text[max(0, match.start() - 12):match.start()]):
            return match.group(0)
        return f"{match.group(1)} [tên]"

    return _NAME_CUE.sub(sub, text)


def redact(text: str | None) -> str:
    """Text safe to publish: personal details replaced by bracketed labels."""
    if not text:
        return ""
    out = _EMAIL.sub("[email]", text)
    out = _PHONE.sub("[số điện thoại]", out)
    out = _ID_NUMBER.sub("[số giấy tờ]", out)
    out = _HOUSE.sub(lambda m: f"{m.group(1)} [số nhà]", out)
    out = _HOUSE_BEFORE_STREET.sub("[số nhà] ", out)
    return _redact_names(out)
