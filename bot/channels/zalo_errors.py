"""What each Zalo OA API error code means for one message, kept as data.

Zalo answers most refusals with HTTP 200 and a non-zero ``error`` in the body. Each code maps to
what the outbox should do: refresh the access token and send once more; hold the message (or use a
fallback channel) because the user's interaction window has closed; wait because of a rate limit;
pause the channel and alert officers because the OA itself needs fixing (its messages are kept);
or give up on this message for good so the citizen's later messages are not stuck behind it.

Sources: Zalo's OA API error list (developers.zalo.me, "Bảng mã lỗi"), as restated by the Zalo SDKs
and open-source integrations; docs/channels.md lists every code with what the system does. A code
missing here is treated as permanent, in Zalo's own words, so nothing is retried forever on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    REFRESH = "refresh"  # access token refused: refresh it, send once more
    WINDOW = "window"  # outside the interaction window: hold, or use a fallback channel
    THROTTLE = "throttle"  # a limit for the whole OA: pause the channel for ``after_s``
    RETRY = "retry"  # a passing problem with this message: try it again later
    CONFIG = "config"  # the OA or app needs fixing: keep messages, pause, alert officers
    PERMANENT = "permanent"  # never for this message: dead letter (or the next fallback)


@dataclass(frozen=True)
class Rule:
    action: Action
    reason: str  # English, for logs and the stored row
    hint: str = ""  # Vietnamese, for officers: what it means and what to do
    after_s: float | None = None  # None: the outbox backs off by attempts


_TECH = "Báo bộ phận kỹ thuật kèm mã lỗi; gửi lại sẽ không giúp được."
_OTHER_CHANNEL = "Hãy liên hệ người dân qua kênh khác (điện thoại, Telegram)."


def _config(reason: str, hint: str, after_s: float = 600.0) -> Rule:
    return Rule(Action.CONFIG, reason, hint, after_s)


ZALO_ERRORS: dict[int, Rule] = {
    -32: Rule(Action.THROTTLE, "the app reached Zalo's API call limit", after_s=60.0),
    -100: Rule(Action.PERMANENT, "attachment id expired",
               "Tệp đính kèm đã hết hạn trên Zalo. " + _TECH),
    -124: Rule(Action.REFRESH, "access token invalid"),
    -200: Rule(Action.RETRY, "send message failed (unspecified, at Zalo)"),
    -201: Rule(Action.PERMANENT, "a parameter is invalid",
               "Zalo báo tin có tham số không hợp lệ (lỗi phía hệ thống). " + _TECH),
    -204: _config("the Official Account is disabled",
                  "Zalo OA đã bị vô hiệu hoá. Quản trị viên OA cần liên hệ Zalo để mở lại; "
                  "tin nhắn được giữ và tự gửi khi OA hoạt động lại."),
    -205: _config("the Official Account does not exist",
                  "Zalo không tìm thấy OA. Kiểm tra ZALO_OA_ID và liên kết ứng dụng với OA."),
    -209: _config("this API is not supported for the app (app not activated)",
                  "Ứng dụng Zalo chưa được kích hoạt. Kích hoạt ứng dụng trên developers.zalo.me."),
    -210: Rule(Action.PERMANENT, "a parameter exceeds the allowed limit",
               "Tin vượt giới hạn Zalo cho phép. " + _TECH),
    -211: _config("the OA's message quota is spent",
                  "OA đã dùng hết hạn mức gửi tin. Kiểm tra gói dịch vụ OA; tin nhắn được giữ "
                  "và tự gửi khi có hạn mức.", 3600.0),
    -212: _config("the app has not registered this API",
                  "Ứng dụng chưa đăng ký quyền gửi tin. Bật quyền trên developers.zalo.me rồi "
                  "cấp lại quyền cho ứng dụng."),
    -213: Rule(Action.PERMANENT, "the user has not followed the OA",
               "Người dân chưa quan tâm (theo dõi) OA hoặc đã bỏ quan tâm. " + _OTHER_CHANNEL
               + " Có thể gửi lại khi họ quan tâm OA lại."),
    -214: Rule(Action.RETRY, "an article is being processed"),
    -216: Rule(Action.REFRESH, "access token invalid"),
    -217: Rule(Action.PERMANENT, "the user blocked invitations from the OA",
               "Người dân đã chặn lời mời từ OA. " + _OTHER_CHANNEL),
    -218: Rule(Action.RETRY, "the user's receiving quota is reached", after_s=3600.0),
    -219: _config("the app is removed or disabled",
                  "Ứng dụng Zalo đã bị gỡ hoặc vô hiệu hoá. Bật lại ứng dụng trên developers.zalo.me."),
    -220: Rule(Action.REFRESH, "access token expired or removed"),
    -221: _config("the OA must be verified to use this feature",
                  "OA chưa được xác thực. Hoàn tất xác thực OA cơ quan nhà nước với Zalo."),
    -223: _config("the OA has not authorised this API for the app",
                  "OA chưa cấp quyền gửi tin cho ứng dụng. Quản trị viên OA cấp lại quyền "
                  "rồi khởi tạo lại token (ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN)."),
    -224: _config("the OA needs a higher service package",
                  "Gói dịch vụ OA không cho phép gửi tin này. Nâng cấp hoặc gia hạn gói OA."),
    -227: Rule(Action.PERMANENT, "the user is banned or inactive for more than 45 days",
               "Tài khoản Zalo của người dân bị khoá hoặc không dùng hơn 45 ngày. " + _OTHER_CHANNEL),
    -230: Rule(Action.WINDOW, "the user has not interacted with the OA in the last 7 days"),
    -232: Rule(Action.WINDOW, "the user has not interacted, or the interaction has expired"),
    -233: Rule(Action.PERMANENT, "the message type is invalid or not supported",
               "Zalo không nhận loại tin này. " + _TECH),
    -234: Rule(Action.RETRY, "this message type may not be sent at night", after_s=3600.0),
    -235: _config("this API does not support this type of OA",
                  "Loại OA hiện tại không dùng được API gửi tin này. Liên hệ Zalo để đổi loại OA."),
    -240: _config("the message API v2 has been shut down",
                  "Hệ thống đang gọi API cũ của Zalo. " + _TECH),
    -244: Rule(Action.PERMANENT, "the user has restricted this message type from the OA",
               "Người dân đã tắt nhận loại tin này từ OA. " + _OTHER_CHANNEL),
    -248: Rule(Action.PERMANENT, "the content violates Zalo's platform standards",
               "Zalo từ chối nội dung vì vi phạm tiêu chuẩn nền tảng. Xem lại nội dung rồi "
               "gửi qua kênh khác."),
    -320: _config("the app must be linked to a Zalo Cloud Account",
                  "Ứng dụng chưa liên kết Zalo Cloud Account (ZCA). Liên kết ZCA để gửi tin."),
    -321: _config("the Zalo Cloud Account is out of money",
                  "Tài khoản Zalo Cloud (ZCA) hết tiền. Nạp tiền ZCA; tin nhắn được giữ và tự "
                  "gửi khi có tiền.", 3600.0),
}

UNLISTED_HINT = "Zalo từ chối tin với mã lỗi chưa có trong danh sách. " + _TECH


def rule_for(code: int, message: str = "") -> Rule:
    """The rule of a non-zero code; an unknown code is permanent, in Zalo's own words."""
    return ZALO_ERRORS.get(code) or Rule(
        Action.PERMANENT, f"unlisted Zalo error: {message or 'no message'}"[:300], UNLISTED_HINT)
