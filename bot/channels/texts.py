"""What the channels themselves say to citizens (everything else comes from Rasa).

Short, for a phone screen, and always ending with what to do next.
"""

from __future__ import annotations

WELCOME = (
    "Xin chào! Tôi là Một Cửa, trợ lý thủ tục hành chính.\n"
    "Bạn gõ việc cần làm, ví dụ: «đăng ký khai sinh cho con», tôi sẽ chỉ giấy tờ, lệ phí và nơi nộp."
)

HELP = (
    "Tôi giúp được bạn:\n"
    "• Tra cứu thủ tục: gõ việc cần làm, ví dụ «cấp lại căn cước».\n"
    "• Xem giấy tờ cần chuẩn bị, lệ phí, thời hạn, nơi nộp.\n"
    "• Tra cứu phản ánh: /tracuu kèm mã, ví dụ /tracuu PA-7K3Q9M.\n"
    "Bạn cứ gõ câu hỏi bằng tiếng Việt, có dấu hay không dấu đều được."
)

UNSUPPORTED = (
    "Xin lỗi, tôi chưa đọc được loại tin này (nhãn dán, ghi âm, tệp).\n"
    "Bạn gõ câu hỏi bằng chữ, hoặc gửi ảnh chụp nếu cần. Gõ /help để xem tôi giúp được gì."
)

FORWARDED_TO_OFFICER = "Đã chuyển tin nhắn tới cán bộ. Câu trả lời sẽ hiện ngay tại đây."

RASA_SLOW = "Tôi đang tra cứu, bạn chờ một chút nhé."

RASA_DOWN = (
    "Xin lỗi, hệ thống đang tạm gián đoạn. Tin nhắn của bạn đã được lưu, "
    "tôi sẽ trả lời ngay khi hệ thống hoạt động lại — bạn không cần gửi lại."
)

RATE_LIMITED = (
    "Bạn gửi nhanh quá, tôi chưa kịp trả lời. Bạn chờ khoảng một phút rồi gửi tiếp nhé."
)

STALE_BUTTON = "Nút này đã cũ. Bạn gõ lại câu hỏi để tôi trả lời nhé."

PHOTO_TOO_BIG = "Ảnh lớn quá. Bạn gửi ảnh nhỏ hơn 10 MB (chụp lại hoặc gửi dạng ảnh, không gửi dạng tệp)."

PHOTO_NOT_DOWNLOADED = (
    "Tôi chưa tải được ảnh bạn gửi. Bạn gửi lại ảnh (kèm chú thích nếu có) giúp tôi nhé."
)

PHOTO_NOT_IMAGE = (
    "Tệp bạn gửi không phải ảnh JPG, PNG hay WebP. Bạn chụp ảnh rồi gửi lại giúp tôi nhé."
)

PHOTO_CAPTIONLESS = "Tôi gửi một ảnh"

TRACK_USAGE = "Bạn gõ /tracuu kèm mã phản ánh, ví dụ: /tracuu PA-7K3Q9M"


def too_long(length: int, limit: int) -> str:
    return f"Tin nhắn dài quá ({length} ký tự). Bạn viết gọn dưới {limit} ký tự rồi gửi lại nhé."


# ---- assisted mode (bot/channels/assisted.py) and the web chat ----------------------------------

ASSIST_NOT_HELPER = (
    "Lệnh /hotro dành cho thành viên tổ công nghệ số cộng đồng đã đăng ký: gõ /hotro kèm mã người "
    "hỗ trợ của bạn. Nếu bạn là người dân, bạn cứ gõ câu hỏi, tôi sẽ trả lời ngay."
)

ASSIST_NONE_OPEN = "Không có phiên hỗ trợ nào đang mở. Gõ /hotro kèm mã người hỗ trợ để mở phiên mới."

QUEUED = (
    "Đã lưu tin nhắn của bạn. Tôi sẽ trả lời ngay khi hệ thống hoạt động lại — bạn không cần gửi lại."
)


def assist_started(code: str, citizen: str, helper: str) -> str:
    who = f" cho {citizen}" if citizen else ""
    by = f" ({helper})" if helper else ""
    return (f"Đã mở phiên hỗ trợ {code}{who}{by}. Các câu hỏi tiếp theo được ghi là hỗ trợ người dân. "
            "Gõ /xong khi xong để nhận phiếu bàn giao cho người dân.")
