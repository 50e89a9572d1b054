"""What a petition's texts must be, in one place: the chat form and the service check the same
limits and tell the citizen the same thing.

Length counts letters and digits only, so "😀😀😀", "?!" or a few spaces never pass as a petition.
The upper limit sits well above a chat message (channels cap one message at 2,000 characters) and
leaves room for a paper petition typed in at the counter.
"""

from __future__ import annotations

MIN_DESCRIPTION_CHARS = 10  # letters and digits: "đèn đường hỏng" is just enough
MAX_DESCRIPTION_CHARS = 4000
MIN_INFO_CHARS = 3  # added information can be short ("số 12"), or a photo alone
MAX_LOCATION_CHARS = 300

DESCRIPTION_TOO_SHORT = (
    f"Nội dung phản ánh quá ngắn (cần ít nhất {MIN_DESCRIPTION_CHARS} chữ cái hoặc chữ số). "
    "Bạn kể rõ chuyện gì xảy ra, từ khi nào rồi gửi lại."
)
DESCRIPTION_TOO_LONG = (
    f"Nội dung dài quá {MAX_DESCRIPTION_CHARS} ký tự. Bạn viết gọn lại (chỉ giữ sự việc, nơi xảy ra, "
    "từ khi nào) rồi gửi."
)
INFO_EMPTY = (
    "Bạn chưa ghi nội dung bổ sung. Bạn ghi rõ thông tin cơ quan cần (ít nhất vài chữ), "
    "hoặc gửi kèm ảnh."
)


def meaningful_chars(text: str) -> int:
    """Letters and digits (with or without diacritics); punctuation, spaces and emoji do not count."""
    return sum(c.isalnum() for c in text or "")


def description_problem(text: str) -> str | None:
    """What the citizen must fix in a petition's description, or None when it can be filed."""
    if meaningful_chars(text) < MIN_DESCRIPTION_CHARS:
        return DESCRIPTION_TOO_SHORT
    return DESCRIPTION_TOO_LONG if len((text or "").strip()) > MAX_DESCRIPTION_CHARS else None


def info_problem(text: str, has_photo: bool) -> str | None:
    """What is wrong with information a citizen adds on request, or None: a photo alone will do."""
    if not has_photo and meaningful_chars(text) < MIN_INFO_CHARS:
        return INFO_EMPTY
    return DESCRIPTION_TOO_LONG if len((text or "").strip()) > MAX_DESCRIPTION_CHARS else None
