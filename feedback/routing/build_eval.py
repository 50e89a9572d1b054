"""Builds ``data/routing_eval.jsonl``: hand-written petitions plus cases derived from the catalogue.

For each provincial or commune procedure whose competent agency (``co_quan_co_tham_quyen``) names a
body of the province, a petition about that procedure is written from a few citizen phrasings.
The label comes from the agency text through ``AGENCY_LABELS`` (checked by hand); the router is
given only the text and the procedure's field, never the agency, so the label is not an input.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections import defaultdict
from pathlib import Path

from feedback.config import REPO_ROOT

CATALOGUE = REPO_ROOT / "knowledge" / "data" / "dichvucong_2026.jsonl.gz"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
WRITTEN = DATA_DIR / "written_petitions.jsonl"
OUTPUT = DATA_DIR / "routing_eval.jsonl"
PER_LABEL = 12

# Agency text (lower case, as it starts in the catalogue) → unit id; "@commune" = commune committee.
AGENCY_LABELS: list[tuple[str, str]] = [
    ("công an", "cong-an-tinh"),
    ("cục cảnh sát", "cong-an-tinh"),
    ("phòng cảnh sát", "cong-an-tinh"),
    ("sở tư pháp", "so-tu-phap"),
    ("sở xây dựng", "so-xay-dung"),
    ("văn phòng đăng ký đất đai", "van-phong-dang-ky-dat-dai"),
    ("chi nhánh văn phòng đăng ký đất đai", "van-phong-dang-ky-dat-dai"),
    ("sở nông nghiệp và môi trường", "so-nong-nghiep-moi-truong"),
    ("chi cục kiểm lâm", "so-nong-nghiep-moi-truong"),
    ("chi cục lâm nghiệp và kiểm lâm", "so-nong-nghiep-moi-truong"),
    ("bảo hiểm xã hội", "bhxh-tinh"),
    ("cục thuế", "thue-tinh"),
    ("chi cục thuế", "thue-tinh"),
    ("thuế", "thue-tinh"),
    ("ủy ban nhân dân cấp xã", "@commune"),
    ("ủy ban nhân dân xã", "@commune"),
    ("chủ tịch ủy ban nhân dân xã", "@commune"),
    ("chủ tịch ubnd cấp xã", "@commune"),
    ("ubnd cấp xã", "@commune"),
    ("sở tài chính", "so-tai-chinh"),
    ("sở nội vụ", "so-noi-vu"),
    ("sở y tế", "so-y-te"),
    ("sở giáo dục", "so-giao-duc-dao-tao"),
]

PHRASINGS = [
    "Tôi nộp hồ sơ {name} đã lâu, quá ngày hẹn mà vẫn chưa có kết quả.",
    "Khi làm thủ tục {name}, cán bộ yêu cầu nộp thêm giấy tờ không có trong quy định.",
    "Đề nghị hướng dẫn rõ hơn về {name}, tôi đi lại nhiều lần vẫn chưa làm được.",
]
# Commune cases need a place: new names and pre-2025 names, with the commune they now belong to.
COMMUNE_PLACES = [
    ("xã Đồng Đăng", "ubnd-xa-dong-dang"),
    ("thị trấn Na Sầm, huyện Văn Lãng", "ubnd-xa-na-sam"),
    ("phường Kỳ Lừa", "ubnd-phuong-ky-lua"),
    ("xã Hợp Thành, huyện Cao Lộc", "ubnd-phuong-ky-lua"),
    ("xã Bình Gia", "ubnd-xa-binh-gia"),
    ("thị trấn Hữu Lũng, huyện Hữu Lũng", "ubnd-xa-huu-lung"),
]


def _label(agency: str) -> str | None:
    text = agency.strip().lower()
    if not text or "," in text:  # several bodies named: no single right answer
        return None
    return next((unit for prefix, unit in AGENCY_LABELS if text.startswith(prefix)), None)


def catalogue_cases() -> list[dict]:
    """Deterministic: procedures in code order, at most PER_LABEL per unit."""
    by_label: dict[str, list[dict]] = defaultdict(list)
    with gzip.open(CATALOGUE, "rt", encoding="utf-8") as f:
        rows = sorted((json.loads(line) for line in f), key=lambda r: r["ma_thu_tuc"])
    for row in rows:
        level = row.get("cap_thuc_hien", "")
        if "tỉnh" not in level.lower() and "xã" not in level.lower():
            continue
        label = _label(row.get("co_quan_co_tham_quyen", ""))
        if label is None or len(by_label[label]) >= PER_LABEL:
            continue
        seed = zlib.crc32(row["ma_thu_tuc"].encode())
        name = row["ten_thu_tuc"].strip().rstrip(".")
        case = {
            "text": PHRASINGS[seed % len(PHRASINGS)].format(name=name[:1].lower() + name[1:]),
            "location": "",
            "procedure": {"code": row["ma_thu_tuc"], "name": name, "field": row.get("linh_vuc")},
            "expected": label,
            "source": "catalogue",
        }
        if label == "@commune":
            place, unit = COMMUNE_PLACES[seed % len(COMMUNE_PLACES)]
            case["location"], case["expected"] = place, unit
        by_label[label].append(case)
    return [case for cases in by_label.values() for case in cases]


def build(output: Path = OUTPUT) -> int:
    """Write the evaluation set; returns the number of cases."""
    written = [json.loads(line) for line in WRITTEN.read_text(encoding="utf-8").splitlines() if line]
    cases = written + catalogue_cases()
    output.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    return len(cases)
