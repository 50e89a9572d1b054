"""Readers for the two shipped catalogue formats, each turned into one common raw record.

The National Public Service Portal export (``dichvucong``) keeps its tables as flattened text; the
Ministry of Defence export (``bqp``) has them already split into rows. Both end up in a
:class:`RawRecord` so that :mod:`knowledge.catalogue.build` has one input shape.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
import dataclasses
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DICHVUCONG_FILE = DATA_DIR / "dichvucong_2026.jsonl.gz"
BQP_FILE = DATA_DIR / "bqp_2026.jsonl.gz"


@dataclass(frozen=True)
class RawRecord:
    """One procedure as the source wrote it; tables are text (dichvucong) or rows (bqp)."""

    source: str
    code: str
    name: str
    decision: str = ""
    levels: str = ""
    field: str = ""
    applicants: str = ""
    competent_agency: str = ""
    implementing_agency: str = ""
    submission_address: str = ""
    steps: str = ""
    conditions: str = ""
    result: str = ""
    related: str = ""
    url: str = ""
    channels_text: str = ""
    papers_text: str = ""
    legal_text: str = ""
    channel_rows: tuple[dict[str, str], ...] = ()
    paper_rows: tuple[dict[str, str], ...] = ()
    legal_rows: tuple[dict[str, str], ...] = ()
    extra: dict[str, str] = dataclasses.field(default_factory=dict)


def _jsonl(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def read_dichvucong(path: Path = DICHVUCONG_FILE) -> Iterator[RawRecord]:
    """Records of the National Public Service Portal export (one JSON object a line)."""
    for row in _jsonl(path):
        yield RawRecord(
            source="dichvucong",
            code=row["ma_thu_tuc"].strip(),
            name=row["ten_thu_tuc"],
            decision=row.get("so_quyet_dinh", ""),
            levels=row.get("cap_thuc_hien", ""),
            field=row.get("linh_vuc", ""),
            applicants=row.get("doi_tuong_thuc_hien", ""),
            competent_agency=row.get("co_quan_co_tham_quyen", ""),
            implementing_agency=row.get("co_quan_thuc_hien", ""),
            submission_address=row.get("dia_chi_tiep_nhan", ""),
            steps=row.get("trinh_tu_thuc_hien", ""),
            conditions=row.get("yeu_cau_dieu_kien", ""),
            result=row.get("ket_qua_xu_ly", ""),
            related=row.get("thu_tuc_lien_quan", ""),
            url=row.get("detail_url", ""),
            channels_text=row.get("cach_thuc_thuc_hien", ""),
            papers_text=row.get("thanh_phan_ho_so", ""),
            legal_text=row.get("can_cu_phap_ly", ""),
            extra={
                key: row[key]
                for key in ("loai_thu_tuc", "co_quan_duoc_uy_quyen", "co_quan_phoi_hop", "bo")
                if row.get(key)
            },
        )


def read_bqp(path: Path = BQP_FILE) -> Iterator[RawRecord]:
    """Records of the Ministry of Defence export (``metadata`` / ``content`` / ``tables``)."""
    for row in _jsonl(path):
        meta, content, tables = row["metadata"], row["content"], row["tables"]
        yield RawRecord(
            source="bqp",
            code=meta["mã_thủ_tục"].strip(),
            name=meta["tên_thủ_tục"],
            decision=meta.get("số_quyết_định", ""),
            levels=meta.get("cấp_thực_hiện", ""),
            field=meta.get("lĩnh_vực", ""),
            applicants=content.get("đối_tượng_thực_hiện", ""),
            competent_agency=content.get("cơ_quan_có_thẩm_quyền", ""),
            implementing_agency=content.get("cơ_quan_thực_hiện", ""),
            submission_address=content.get("địa_chỉ_tiếp_nhận_hs", ""),
            steps=content.get("trình_tự_thực_hiện", ""),
            conditions=content.get("yêu_cầu_điều_kiện_thực_hiện", ""),
            result=content.get("kết_quả_thực_hiện", ""),
            channels_text=content.get("cách_thức_thực_hiện", ""),
            channel_rows=tuple(tables.get("hinh_thuc_nop", ())),
            paper_rows=tuple(tables.get("thanh_phan_ho_so", ())),
            legal_rows=tuple(tables.get("can_cu_phap_ly", ())),
            extra={
                key: value
                for key, value in (
                    ("loai_thu_tuc", meta.get("loại_thủ_tục", "")),
                    ("co_quan_duoc_uy_quyen", content.get("cơ_quan_được_ủy_quyền", "")),
                    ("co_quan_phoi_hop", content.get("cơ_quan_phối_hợp", "")),
                    ("mo_ta", content.get("mô_tả", "")),
                    ("source_file", row.get("source_file", "")),
                )
                if value and value != "Không có thông tin"
            },
        )


def read_shipped() -> Iterator[RawRecord]:
    """Both shipped catalogues, national portal first."""
    yield from read_dichvucong()
    yield from read_bqp()
