"""What each ZNS error code means for one notice, kept as data.

Zalo answers a refused ZNS with an ``error`` code in an HTTP 200 body. Each code maps to what the
outbox should do: refresh the token and send once more; try again later (after a pause, after
midnight when a daily quota is spent, in the morning when night sending is refused); pause the
channel and alert officers when the OA's ZNS setup or balance needs fixing (the notices are kept);
or give up on this notice for good so the citizen's later notices are not stuck behind it.

Sources: Zalo's ZNS error page (zalo.cloud/zns/guidelines/handle-error-code) and its restatements;
docs/channels.md ("ZNS") lists every code, what the system does, and which codes a live account
must still confirm. A code missing here is permanent, in Zalo's own words, so nothing is retried
forever on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from feedback.deadlines import VN_TZ


class Action(StrEnum):
    REFRESH = "refresh"  # the access token was refused: refresh it, send once more
    RETRY = "retry"  # a passing problem: try again after ``after_s`` (None: back off)
    TOMORROW = "tomorrow"  # a daily quota is spent: try again after midnight, Vietnam time
    MORNING = "morning"  # refused at night: try again at 06:00, Vietnam time
    CONFIG = "config"  # the OA's ZNS setup or balance needs fixing: keep, pause, alert officers
    PERMANENT = "permanent"  # never for this notice: dead letter (or the next fallback)


@dataclass(frozen=True)
class Rule:
    action: Action
    reason: str  # English, for logs and the stored row
    hint: str = ""  # Vietnamese, for officers: what it means and what to do
    after_s: float | None = None
    pause_channel: bool = False  # the limit holds for every recipient: stop the whole channel


_TEMPLATE = ("Mẫu ZNS của loại thông báo này chưa dùng được (chưa duyệt, bị khoá hoặc tham số "
             "không khớp). Quản trị kiểm tra mẫu trên Zalo Cloud Account và tệp zns_templates.yml "
             "của tỉnh; sửa xong bấm “Gửi lại”.")
_RECIPIENT = ("Số điện thoại này không nhận được ZNS (không dùng Zalo, Zalo quá cũ hoặc đã từ chối "
              "tin của OA). Hãy liên hệ người dân bằng cách khác, ví dụ gọi điện.")
_KEPT = " Thông báo ZNS được giữ lại và tự gửi khi khắc phục xong."
UNLISTED_HINT = ("Zalo từ chối gửi ZNS với mã lỗi chưa có trong danh sách của hệ thống. Báo "
                 "bộ phận kỹ thuật kèm mã lỗi; khắc phục xong bấm “Gửi lại”.")


def _config(reason: str, hint: str, after_s: float = 600.0) -> Rule:
    return Rule(Action.CONFIG, reason, hint + _KEPT, after_s, pause_channel=True)


def _template(reason: str) -> Rule:
    return Rule(Action.PERMANENT, reason, _TEMPLATE)


def _recipient(reason: str) -> Rule:
    return Rule(Action.PERMANENT, reason, _RECIPIENT)


_APP = ("Ứng dụng Zalo gửi ZNS chưa đúng cấu hình. Kiểm tra ZALO_APP_ID và ứng dụng trên "
        "developers.zalo.me.")

ZNS_ERRORS: dict[int, Rule] = {
    -100: Rule(Action.RETRY, "unknown error at Zalo"),
    -101: _config("the sending application is invalid", _APP),
    -102: _config("the sending application does not exist", _APP),
    -103: _config("the sending application is not activated",
                  "Ứng dụng Zalo chưa được kích hoạt. Kích hoạt ứng dụng trên developers.zalo.me."),
    -104: _config("the application's secret key is invalid",
                  "Khoá bí mật của ứng dụng Zalo không đúng. Kiểm tra ZALO_APP_SECRET."),
    -105: _config("the application is not linked to any OA",
                  "Ứng dụng Zalo chưa liên kết với OA. Liên kết ứng dụng với OA của cơ quan."),
    -106: _config("method not supported",
                  "Địa chỉ gửi ZNS không đúng. Kiểm tra ZALO_ZNS_API_URL."),
    -107: _template("message id invalid"),
    -108: _recipient("phone number invalid"),
    -109: _template("template id invalid"),
    -110: _recipient("the recipient's Zalo version is too old for ZNS"),
    -111: _template("template data empty"),
    -112: _template("template data invalid (parameters do not match the template)"),
    -113: _template("button invalid"),
    -114: _recipient("recipient inactive, refuses ZNS, or uses an outdated Zalo"),
    -115: _config("the OA's ZNS balance is spent",
                  "Tài khoản ZNS của OA đã hết tiền. Nạp tiền trên Zalo Cloud Account.", 3600.0),
    -116: _template("text invalid"),
    -117: _template("the OA or app may not use this template"),
    -118: _recipient("no Zalo account for this phone number"),
    -119: _recipient("this account cannot receive ZNS"),
    -124: Rule(Action.REFRESH, "access token invalid"),
    -131: _template("template not approved"),
    -133: Rule(Action.MORNING, "this template may not be sent at night (22:00-06:00)"),
    -134: _recipient("recipient has not accepted ZNS from this OA yet"),
    -135: _config("the OA may not send ZNS (not verified, or no ZNS plan)",
                  "OA chưa được phép gửi ZNS (chưa xác thực hoặc chưa đăng ký gói ZNS). Hoàn tất "
                  "với Zalo.", 3600.0),
    -137: _config("ZNS payment failed",
                  "Zalo không thu được phí ZNS. Kiểm tra ví của OA trên Zalo Cloud Account.",
                  3600.0),
    -138: _config("the application may not use ZNS",
                  "Ứng dụng Zalo chưa có quyền gửi ZNS. Bật quyền trên developers.zalo.me."),
    -139: _recipient("recipient refuses this kind of ZNS"),
    -141: _recipient("recipient refuses ZNS from this OA"),
    -144: Rule(Action.TOMORROW, "the OA's daily ZNS quota is spent", pause_channel=True),
    -145: _template("the OA may not send this kind of content"),
    -146: _template("template disabled by Zalo for low quality"),
    -147: Rule(Action.TOMORROW, "this template's daily quota is spent"),
    # Official Account API codes the same token and gateway can answer with.
    -32: Rule(Action.RETRY, "rate limited by Zalo", after_s=60.0, pause_channel=True),
    -216: Rule(Action.REFRESH, "access token invalid"),
    -220: Rule(Action.REFRESH, "access token expired or removed"),
}


def rule_for(code: int, message: str = "") -> Rule:
    """The rule of a non-zero code; an unknown code is permanent, in Zalo's own words."""
    return ZNS_ERRORS.get(code) or Rule(
        Action.PERMANENT, f"unlisted ZNS error: {message or 'no message'}"[:300], UNLISTED_HINT)


def seconds_until(hour: int, now: datetime) -> float:
    """Seconds from ``now`` to the next ``hour``:00 in Vietnam (at least one minute)."""
    local = now.astimezone(VN_TZ)
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return max(60.0, (target - local).total_seconds())
