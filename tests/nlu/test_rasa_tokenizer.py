"""The Rasa component, exercised inside the Rasa environment where it actually runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT

SNIPPET = """
import json, sys
from rasa.shared.nlu.training_data.message import Message
from nlu.rasa_tokenizer import VietnameseTokenizer
tokenizer = VietnameseTokenizer.create(VietnameseTokenizer.get_default_config(), None, None, None)
out = []
for text in json.loads(sys.stdin.read()):
    message = Message(data={"text": text})
    tokenizer.process([message])
    out.append([[t.text, t.start, t.end, t.lemma] for t in message.get("text_tokens")])
print("RESULT" + json.dumps(out, ensure_ascii=False))
"""


def tokenize_in_rasa(rasa_venv: Path, texts: list[str]) -> list[list[list]]:
    completed = subprocess.run(
        [str(rasa_venv / "bin" / "python"), "-c", SNIPPET],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    line = next(l for l in completed.stdout.splitlines() if l.startswith("RESULT"))
    return json.loads(line.removeprefix("RESULT"))


def test_tokenizer_component_in_the_rasa_environment(rasa_venv: Path) -> None:
    with_marks, without_marks, emoji, html = tokenize_in_rasa(
        rasa_venv,
        ["Tôi muốn đăng ký khai sinh cho con", "dang ky khai sinh cho con", "🙏🙏", "<b>sổ đỏ</b>"],
    )
    assert [t[0] for t in with_marks] == ["Tôi", "muốn", "đăng ký", "khai sinh", "cho", "con"]
    assert with_marks[2][1:] == [9, 16, "dang_ky"]
    # Typed without diacritics, the shared words get identical lemmas, hence identical features.
    assert {t[3] for t in with_marks} & {t[3] for t in without_marks} >= {"khai_sinh", "cho", "con"}
    assert len(emoji) == 1 and emoji[0][0] == "🙏🙏"
    assert [t[0] for t in html] == ["b", "sổ đỏ", "b"]  # markup characters are not words
    assert html[1][3] == "so_do"
