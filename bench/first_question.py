"""The first question after `motcua up`: is it answered as fast as the tenth?

Starts the whole system with `motcua up` (loopback, free ports, the tests' quick-to-train config:
same pipeline, so the same inference cost) and, as soon as it reports ready, asks real questions
through Rasa's REST channel — each from a new citizen (new sender id), so every one is the first
question of its conversation. We report the first question's latency and the median of the next
ten. The baseline, measured in the same run, is a second system started with ``MOTCUA_WARMUP=0``
(nothing warmed before "ready": what `motcua up` did before). When var/ holds the embedding model
(`make up` builds it) the retriever runs hybrid, on ONNX Runtime, as deployed; `--lexical` as the
tests run.

    python -m bench.first_question                 # baseline and warm start, one system each
    python -m bench.first_question --only warm     # skip the baseline (one start, ~1 min of CPU)
    python -m bench.first_question --rasa-url http://127.0.0.1:5005   # a system just started
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/first_question.py`

from bench._machine import machine  # noqa: E402

# Real questions, each from a new citizen, with a marker its reply must contain ("" = any reply).
# The first is none of the warm-up messages (motcua/runner.py WARMUP_MESSAGES).
QUESTIONS = [
    ("làm lại căn cước bị mất", ""),
    ("Tôi muốn đăng ký khai sinh cho con", "1.001193"),
    ("đăng ký kết hôn", ""),
    ("xin chào", "Xin chào"),
    ("dang ky khai sinh cho con", "1.001193"),
    ("cấp giấy phép lái xe", ""),
    ("đăng ký thường trú", ""),
    ("đăng ký khai tử", ""),
    ("cấp lại hộ chiếu", ""),
    ("chứng thực bản sao", ""),
    ("đăng ký hộ kinh doanh", ""),
]


def ask(client: httpx.Client, url: str, text: str) -> tuple[float, str]:
    """One question from a new citizen; (seconds, reply text)."""
    started = time.perf_counter()
    response = client.post(url, json={"sender": f"bench-first-{uuid.uuid4().hex[:12]}", "message": text})
    response.raise_for_status()
    seconds = time.perf_counter() - started
    return seconds, " ".join(str(m.get("text") or "") for m in response.json())


def measure(url: str, timeout: float) -> dict:
    """First question, then ten more; latencies in ms and any reply missing its marker."""
    latencies, unexpected = [], []
    with httpx.Client(timeout=timeout) as client:
        for text, expected in QUESTIONS:
            seconds, reply = ask(client, url, text)
            latencies.append(seconds * 1000)
            if not reply or expected.lower() not in reply.lower():
                unexpected.append(text)
    return {"first_ms": latencies[0], "next_ten_median_ms": statistics.median(latencies[1:]),
            "next_ten_max_ms": max(latencies[1:]), "all_ms": [round(x, 1) for x in latencies],
            "unexpected": unexpected}


def with_embeddings(folder: Path) -> bool:
    """Give the data folder the embedding model of var/ (as `make up` builds it), and var/'s saved
    indexes to save their rebuild: the retriever then runs hybrid on ONNX Runtime, as deployed."""
    from knowledge.retrieval.build_model import is_built
    from motcua.settings import Settings
    from tests.conftest import REPO_ROOT

    model = Settings(data_dir=REPO_ROOT / "var").built_model_dir
    target = Settings(data_dir=folder).built_model_dir
    if not is_built(model):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(model, target_is_directory=True)
    if (REPO_ROOT / "var" / "index").is_dir():
        shutil.copytree(REPO_ROOT / "var" / "index", folder / "index")
    return True


def own_system(folder: Path, warmup: bool, timeout: float, lexical: bool) -> dict:
    """Start `motcua up` (warm-up on or off), measure as soon as it says ready, stop it."""
    import os

    from tests.conftest import REPO_ROOT
    from tests.support.system import start_system

    hybrid = not lexical and with_embeddings(folder)
    previous = os.environ.get("MOTCUA_WARMUP")
    os.environ["MOTCUA_WARMUP"] = "1" if warmup else "0"
    try:
        started = time.perf_counter()
        system = start_system(folder, REPO_ROOT / ".venv" / "rasa")
        ready_s = time.perf_counter() - started
    finally:
        if previous is None:
            os.environ.pop("MOTCUA_WARMUP", None)
        else:
            os.environ["MOTCUA_WARMUP"] = previous
    try:
        figures = measure(system.rest_webhook, timeout)
        figures["up_to_ready_s"] = ready_s
        figures["retrieval"] = "hybrid (e5 on ONNX Runtime)" if hybrid else "lexical"
        return figures
    finally:
        system.stop()
        system.kill_leftovers()


def print_row(name: str, figures: dict) -> None:
    ready = (f", `motcua up` to ready {figures['up_to_ready_s']:.1f} s, retrieval {figures['retrieval']}"
             if "up_to_ready_s" in figures else "")
    print(f"  {name:10} first question {figures['first_ms']:8.0f} ms, median of next ten "
          f"{figures['next_ten_median_ms']:6.0f} ms (max {figures['next_ten_max_ms']:.0f} ms){ready}"
          f"{'  unexpected: ' + str(figures['unexpected']) if figures['unexpected'] else ''}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("baseline", "warm"), help="start one system only")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a question fails")
    parser.add_argument("--lexical", action="store_true", help="no embedding model (as the tests run)")
    parser.add_argument("--rasa-url", help="measure a system that was just started (loopback)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    results: dict[str, dict] = {}
    if args.rasa_url:
        if not args.rasa_url.startswith(("http://127.0.0.1", "http://localhost")):
            parser.error("--rasa-url must be on loopback")
        results["attached"] = measure(args.rasa_url.rstrip("/") + "/webhooks/rest/webhook", args.timeout)
        print_row("attached", results["attached"])
    else:
        for name, warmup in (("baseline", False), ("warm", True)):
            if args.only and args.only != name:
                continue
            with tempfile.TemporaryDirectory(prefix=f"motcua-first-{name}-") as tmp:
                results[name] = own_system(Path(tmp), warmup, args.timeout, args.lexical)
            print_row(name, results[name])
    if "baseline" in results and "warm" in results:
        base, warm = results["baseline"], results["warm"]
        print(f"  first/next-ten ratio: baseline {base['first_ms'] / base['next_ten_median_ms']:.1f}x, "
              f"warm {warm['first_ms'] / warm['next_ten_median_ms']:.1f}x", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
