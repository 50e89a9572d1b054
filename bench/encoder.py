"""The e5 question encoder alone, per ONNX export: latency and memory.

    .venv/app/bin/python -m bench.encoder [--model var/models/multilingual-e5-small] [--rounds 3]

Exports: fp32, the shipped compact 4-bit one (``knowledge.retrieval.q4_export``) and int8 dynamic
quantisation (weights per output channel, MatMul and Gather; made here in a temporary folder).
Latency: the short evaluation questions (≤ 14 words, as citizens type them), one at a time as the
search encodes them, every variant in rotation in one process so the machine's noise falls on all
alike; ONNX Runtime's default threads (one per core) and one thread. Memory: each export loaded
in a fresh process, its RSS read after importing the libraries, after loading the model and after
encoding the questions (``/proc/self/status``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._machine import machine, percentile
from knowledge.retrieval.evaluate import read_questions
from knowledge.retrieval.onnx_encoder import ONNX_FILE, Q4_FILE, OnnxEncoder
from motcua.settings import REPO_ROOT

SETS = ("portal_questions_dev", "own_questions_heldout", "portal_questions_relabelled")

# Run in a fresh interpreter per export: prints RSS (MiB) after imports, load and encoding.
IN_FRESH = r'''
import json, sys
from pathlib import Path
def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from knowledge.retrieval.onnx_encoder import OnnxEncoder
import onnxruntime, tokenizers
imported = rss()
encoder = OnnxEncoder(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
loaded = rss()
for question in json.loads(sys.argv[4]):
    encoder.encode([question], max_tokens=128)
print(json.dumps({"imported": imported, "loaded": loaded, "encoded": rss()}))
'''


def short_questions() -> list[str]:
    texts = []
    for name in SETS:
        texts += [q.text for q in read_questions(REPO_ROOT / f"knowledge/data/eval/{name}.jsonl")]
    return ["query: " + t for t in texts if len(t.split()) <= 14]


def int8_export(folder: Path, tmp: Path) -> Path:
    """int8 dynamic quantisation of the fp32 export, the alternative to the 4-bit one."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = tmp / "model_int8.onnx"
    quantize_dynamic(folder / ONNX_FILE, target, op_types_to_quantize=["MatMul", "Gather"],
                     per_channel=True, weight_type=QuantType.QInt8)
    return target


def latency(folder: Path, exports: dict[str, Path], questions: list[str], rounds: int) -> None:
    for threads in (0, 1):
        encoders = {
            name: OnnxEncoder(folder, file, threads) for name, file in exports.items()
        }
        times: dict[str, list[float]] = {name: [] for name in encoders}
        for encoder in encoders.values():
            encoder.encode(questions[:5], batch_size=1)  # warm-up
        for _ in range(rounds):
            for question in questions:
                for name, encoder in encoders.items():
                    started = time.perf_counter()
                    encoder.encode([question], max_tokens=128)
                    times[name].append((time.perf_counter() - started) * 1000)
        for name, values in times.items():
            print(f"| {name} | {threads or 'default (2)'} | {len(values)} | "
                  f"{percentile(values, 50):.1f} | {percentile(values, 95):.1f} |", flush=True)


def memory(folder: Path, exports: dict[str, Path], questions: list[str]) -> None:
    for name, file in exports.items():
        out = subprocess.run(
            [sys.executable, "-c", IN_FRESH, str(folder), str(file), "1", json.dumps(questions)],
            cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        )
        rss = json.loads(out.stdout.strip().splitlines()[-1])
        size = (folder / file).stat().st_size / 2**20
        print(f"| {name} | {size:.0f} | {rss['imported']:.0f} | {rss['loaded']:.0f} | "
              f"{rss['encoded']:.0f} | {rss['encoded'] - rss['imported']:.0f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path,
                        default=REPO_ROOT / "var/models/multilingual-e5-small")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions")
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    questions = short_questions()
    with tempfile.TemporaryDirectory(prefix="motcua-int8-") as tmp:
        exports = {"fp32": ONNX_FILE, "q4 (shipped)": Q4_FILE,
                   "int8 dynamic": int8_export(args.model, Path(tmp))}
        print(f"\n{len(questions)} short questions × {args.rounds} rounds, one at a time")
        print("| export | threads | n | p50 ms | p95 ms |\n| --- | --- | ---: | ---: | ---: |")
        latency(args.model, exports, questions, args.rounds)
        print("\n| export | file MiB | RSS after imports | after load | after encoding | "
              "encoder's share |\n| --- | ---: | ---: | ---: | ---: | ---: |")
        memory(args.model, exports, questions)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"\nLoad average at end: {', '.join(load)}")


if __name__ == "__main__":
    main()
