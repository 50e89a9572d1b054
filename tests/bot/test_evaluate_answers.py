"""`motcua eval answers`: the measures, and the command run through the chat's own action."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.evaluate_answers import fact_recall


def test_fact_recall_reads_figures_and_currency_as_the_catalogue_writes_them() -> None:
    reply = "Lệ phí: trực tuyến 10.000 đồng. Thời hạn giải quyết: 7 ngày làm việc."
    assert fact_recall("10,000 Việt Nam Đồng | 07 Ngày làm việc", reply) == 1.0
    assert fact_recall("20,000 VNĐ", reply) < 1.0  # another figure is not the fact
    assert fact_recall("Sở Tư pháp", reply) == 0.0


def test_the_command_measures_replies_of_the_chat_action(tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    rows = [
        {"question": "lệ phí đăng ký thường trú bao nhiêu", "reference_answer": "10.000 đồng",
         "procedure_code": "1.004222", "aspect": "fee"},
        # a reference no reply can hold: the measure must be able to say "not answered"
        {"question": "lệ phí đăng ký thường trú bao nhiêu", "reference_answer": "trên sao Hỏa",
         "procedure_code": "1.004222", "aspect": "fee"},
    ]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    env = dict(os.environ, MOTCUA_DATA_DIR=str(tmp_path / "var"), MOTCUA_EMBEDDING_MODEL="none")
    out = subprocess.run(
        [str(Path(sys.executable).with_name("motcua")), "eval", "answers", str(questions), "--details"],
        env=env, capture_output=True, text=True, timeout=600, check=True,
    ).stdout.strip().splitlines()
    details = [json.loads(line) for line in out[:-1]]
    report = json.loads(out[-1])
    assert [d["question"] for d in details] == [r["question"] for r in rows]
    assert all("1.004222" in d["reply"] and "10.000 đồng" in d["reply"] for d in details)
    assert report["n"] == 2
    assert report["procedure_named"] == 1.0
    assert report["aspect_answered"] == 0.5
    assert report["by_aspect"]["fee"]["n"] == 2
    assert report["p95_ms"] >= report["p50_ms"]
