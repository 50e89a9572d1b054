"""A procedure as a readable Vietnamese card (plain text), for officers and the CLI."""

from __future__ import annotations

from knowledge.procedure import ChannelKind, Level, Paper, Procedure, TimeLimit

CHANNEL_NAMES = {
    ChannelKind.ONLINE: "Trực tuyến",
    ChannelKind.IN_PERSON: "Trực tiếp",
    ChannelKind.POST: "Qua bưu chính",
}
LEVEL_NAMES = {Level.MINISTRY: "Cấp bộ", Level.PROVINCE: "Cấp tỉnh", Level.COMMUNE: "Cấp xã",
               Level.OTHER: "Cơ quan khác"}


def _count(paper: Paper) -> str:
    parts = [f"{n} {kind}" for n, kind in ((paper.originals, "bản chính"), (paper.copies, "bản sao"))
             if n]
    return f" ({', '.join(parts)})" if parts else ""


UNIT_SOURCE_NAMES = {"note": "ghi chú của dòng này", "other_channel": "cách nộp khác",
                     "steps": "trình tự thực hiện", "other_note": "ghi chú của cách nộp khác",
                     "conditions": "yêu cầu, điều kiện", "result": "kết quả"}


def _time(limit: TimeLimit | None) -> str:
    """The time limit; for the officer to check, where a unit the cell lacks was taken from."""
    if limit is None:
        return "không ghi thời hạn"
    if limit.unitless:
        return limit.clause() + " [ô thời hạn không có đơn vị]"
    if limit.unit_source:
        where = UNIT_SOURCE_NAMES.get(limit.unit_source, limit.unit_source)
        return f"{limit.clause()} [ô thời hạn ghi «{limit.text}», đơn vị lấy từ {where}]"
    return limit.clause()


def render_card(procedure: Procedure) -> str:
    """Name, where and how to file, time and fee per channel, papers, steps and legal basis."""
    p = procedure
    lines = [f"{p.name} — mã {p.code}"]
    for label, value in (
        ("Lĩnh vực", p.field),
        ("Cấp thực hiện", ", ".join(LEVEL_NAMES[level] for level in p.levels)),
        ("Đối tượng", p.applicants),
        ("Cơ quan có thẩm quyền", p.competent_agency),
        ("Cơ quan thực hiện", p.implementing_agency),
        ("Địa chỉ tiếp nhận", p.submission_address),
        ("Kết quả", p.result),
    ):
        if value:
            lines.append(f"{label}: {value}")
    if p.channels:
        lines.append("Cách nộp hồ sơ:")
        for channel in p.channels:
            fee = str(channel.fee) if channel.fee and str(channel.fee) else "không ghi phí, lệ phí"
            lines.append(f"  • {CHANNEL_NAMES[channel.kind]}: {_time(channel.time_limit)}; "
                         f"phí, lệ phí: {fee}")
    if p.papers:
        lines.append("Thành phần hồ sơ:")
        group = None
        for paper in p.papers:
            if paper.group and paper.group != group:
                lines.append(f"  {paper.group}:")
            group = paper.group
            form = f" [mẫu: {paper.form}]" if paper.form else ""
            lines.append(f"  – {paper.name.lstrip('-+ ')}{form}{_count(paper)}")
    if p.conditions:
        lines.append(f"Yêu cầu, điều kiện: {p.conditions}")
    if p.steps:
        lines.append("Trình tự thực hiện:")
        lines.extend(f"  {i}. {step.lstrip('-+ ')}" for i, step in enumerate(p.steps, start=1))
    if p.legal_basis:
        lines.append("Căn cứ pháp lý:")
        lines.extend(f"  – {document}" for document in p.legal_basis)
    if p.url:
        lines.append(f"Xem trên Cổng Dịch vụ công quốc gia: {p.url}")
    return "\n".join(lines)
