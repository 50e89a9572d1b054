"""Answers to one follow-up question about the procedure in focus, and the online filing guide."""

from __future__ import annotations

from bot.replies.card import online_text, where_text
from bot.replies.papers import all_papers_text, papers_text
from bot.replies.terms import fee_and_time_text
from bot.replies.text import shorten
from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.procedure import Procedure


def detail_text(procedure: Procedure, aspect: str, overlay: ProvincialOverlay | None = None) -> str:
    """Answer one follow-up question (aspect = the intent's topic) about the procedure in focus."""
    title = f"«{procedure.name}»"
    missing = f"Danh mục chưa ghi rõ {{}} cho {title}. Xem trang chính thức: {procedure.url or 'dichvucong.gov.vn'}"
    if aspect == "papers":
        return all_papers_text(procedure)
    if aspect in ("fee", "time"):
        if not procedure.channels:
            return missing.format("lệ phí và thời hạn")
        return f"Lệ phí và thời hạn của {title}:\n{fee_and_time_text(procedure)}"
    if aspect == "where":
        return where_text(procedure, overlay) + "\n" + online_text(procedure)
    if aspect == "who":
        return f"Ai được làm {title}: {procedure.applicants}" if procedure.applicants else missing.format("đối tượng")
    if aspect == "conditions":
        text = procedure.conditions.strip()
        if not text or text.lower().startswith("không có thông tin"):
            return f"{title} không có yêu cầu, điều kiện riêng ngoài giấy tờ cần nộp."
        return f"Điều kiện của {title}:\n{shorten(text, 900)}"
    if aspect == "steps":
        if not procedure.steps:
            return missing.format("các bước")
        steps = [f"{i}. {shorten(step, 300)}" for i, step in enumerate(procedure.steps[:8], start=1)]
        return "\n".join([f"Các bước làm {title}:", *steps])
    if aspect == "legal":
        if not procedure.legal_basis:
            return missing.format("căn cứ pháp lý")
        return "\n".join([f"Căn cứ pháp lý của {title}:", *(f"• {shorten(x, 200)}" for x in procedure.legal_basis[:8])])
    raise ValueError(f"unknown aspect {aspect!r}")


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
