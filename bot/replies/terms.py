"""Time limits and fees per channel in plain words."""

from __future__ import annotations

from bot.replies.text import shorten
from knowledge.catalogue.card import CHANNEL_NAMES
from knowledge.procedure import Channel, Procedure


def fee_and_time_text(procedure: Procedure) -> str:
    """One line per distinct (time limit, fee); channels that share them share a line."""
    if not procedure.channels:
        return "Lệ phí và thời hạn: danh mục chưa ghi rõ, xem trang chính thức."
    groups: dict[str, list[str]] = {}
    for channel in procedure.channels:
        groups.setdefault(_terms(channel), []).append(CHANNEL_NAMES[channel.kind])
    return "\n".join(f"• {', '.join(kinds)}: {terms}" for terms, kinds in groups.items())


def _terms(channel: Channel) -> str:
    parts = []
    limit = channel.time_limit
    if limit is not None:  # "thời hạn 7 ngày làm việc", "không quy định thời hạn", a rule…
        unitless = " (danh mục không ghi đơn vị)" if limit.unitless else ""
        parts.append(shorten(limit.clause(), 200) + unitless)
    if channel.fee is not None:
        parts.append(f"lệ phí {shorten(str(channel.fee), 120) or 'chưa ghi rõ'}")
    return " — ".join(parts) or "danh mục chưa ghi thời hạn, lệ phí"
