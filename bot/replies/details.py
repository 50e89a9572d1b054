"""The online filing guide: step by step, or where to go when the procedure cannot be filed online."""

from __future__ import annotations

from bot.replies.card import where_text
from bot.replies.papers import papers_text
from bot.replies.terms import fee_and_time_text
from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.procedure import Procedure


def online_guide_text(procedure: Procedure, portal_url: str, overlay: ProvincialOverlay | None = None) -> str:
    """Step-by-step online filing, or where to go when the procedure cannot be filed online."""
    if not procedure.online:
        return "\n".join(
            [
                f"«{procedure.name}» chưa nộp trực tuyến được.",
                where_text(procedure, overlay),
                papers_text(procedure),
            ]
        )
    link = procedure.url or portal_url
    return "\n".join(
        [
            f"Nộp trực tuyến «{procedure.name}»:",
            "1. Đăng nhập Cổng Dịch vụ công bằng tài khoản định danh điện tử VNeID (mức 2).",
            f"2. Mở thủ tục: {link}",
            "3. Chọn cơ quan thực hiện (tỉnh, xã/phường), điền tờ khai điện tử.",
            "4. Đính kèm bản chụp hoặc bản điện tử các giấy tờ (ảnh rõ nét, đủ trang).",
            "5. Nộp lệ phí bằng thanh toán trực tuyến (nếu có).",
            "6. Lưu mã hồ sơ để theo dõi ở mục «Tra cứu hồ sơ»; kết quả báo qua tin nhắn/email.",
            fee_and_time_text(procedure),
        ]
    )
