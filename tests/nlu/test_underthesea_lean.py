"""Segmenting Vietnamese loads underthesea without its optional modules (translate → torch).

Each check runs in a fresh interpreter: other tests' imports (the e5 encoder, Rasa) would
otherwise already be in ``sys.modules`` and hide what our imports pull in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from nlu.normalize import canonical
from nlu.segment import segment_words
from nlu.underthesea_lean import UNUSED_OPTIONAL_MODULES

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Tôi muốn làm lại căn cước công dân bị mất, hoà giải ở thuỷ lợi"
HEAVY = ("torch", "transformers")

PROBE = f"""
import json, sys
from nlu.normalize import canonical
from nlu.segment import segment_words
import underthesea
print(json.dumps({{
    "heavy": sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r})),
    "table": sorted(underthesea.optional_imports.values()),
    "loaded": sorted(k for k in underthesea.optional_imports if getattr(underthesea, k)),
    "words": [[w.text, w.start, w.end] for w in segment_words({TEXT!r})],
    "canonical": canonical({TEXT!r}),
}}))
"""


def _probe(python: Path | str) -> dict:
    out = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT)}, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_segmenting_in_the_app_imports_neither_torch_nor_transformers() -> None:
    seen = _probe(sys.executable)
    assert seen["heavy"] == []
    assert seen["loaded"] == []
    assert seen["table"] == sorted(UNUSED_OPTIONAL_MODULES)  # a new optional module fails here
    # The same words, offsets and tones as in this process (where torch may well be loaded).
    assert seen["words"] == [[w.text, w.start, w.end] for w in segment_words(TEXT)]
    assert seen["canonical"] == canonical(TEXT)


def test_segmenting_in_the_rasa_environment_skips_the_optional_modules_too(rasa_venv: Path) -> None:
    """Rasa loads our tokenizer (nlu.rasa_tokenizer → nlu.segment) in its own Python."""
    seen = _probe(rasa_venv / "bin" / "python")
    assert seen["heavy"] == []
    assert seen["loaded"] == []
    assert seen["table"] == sorted(UNUSED_OPTIONAL_MODULES)
    assert seen["words"] == [[w.text, w.start, w.end] for w in segment_words(TEXT)]
    assert seen["canonical"] == canonical(TEXT)
