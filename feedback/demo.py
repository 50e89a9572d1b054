"""Demo data for a fresh install: one account per role and petitions from the written examples."""

from __future__ import annotations

import json

from feedback.auth import AccountError, create_officer
from feedback.routing.build_eval import WRITTEN
from feedback.service import Contact, FeedbackService, PetitionInput

DEMO_ACCOUNTS = [
    ("quantri", "Quản trị hệ thống", "admin", "van-phong-ubnd-tinh"),
    ("dieuphoi", "Cán bộ điều phối", "triage", "van-phong-ubnd-tinh"),
    ("kylua.lanhdao", "Lãnh đạo UBND phường Kỳ Lừa", "lead", "ubnd-phuong-ky-lua"),
    ("kylua.canbo", "Cán bộ UBND phường Kỳ Lừa", "officer", "ubnd-phuong-ky-lua"),
    ("dienluc.canbo", "Cán bộ Điện lực Lạng Sơn", "officer", "dien-luc-lang-son"),
]


def seed(service: FeedbackService, password: str) -> str:
    """Create the demo accounts (skipping existing ones) and file the written petitions."""
    created = 0
    for username, name, role, unit in DEMO_ACCOUNTS:
        try:
            create_officer(service.engine, service.directory, username, name, password, role, unit,
                           actor="seed-demo")
            created += 1
        except AccountError:
            continue
    filed = 0
    for line in WRITTEN.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        service.file_petition(PetitionInput(
            description=row["text"], location_text=row.get("location", ""), channel="web",
            service_code=row.get("service_code"), contact=Contact(consent=False),
        ), actor="seed-demo")
        filed += 1
    return f"Đã tạo {created} tài khoản và {filed} phản ánh mẫu."
