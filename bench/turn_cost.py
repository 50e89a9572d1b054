"""What one Rasa turn costs: the procedure turn against the greet turn, before and after.

Rasa is loaded in process (its own environment), the real action server runs beside it, and the
turns are timed one at a time — the cost of a turn, with no queue in front of it. Four variants
load side by side and take turns in rotation, so the machine's noise falls on all of them alike:

* Rasa's own check of action answers, config with TEDPolicy (the shipped setup before #14);
* Rasa's own check, config without TEDPolicy;
* the cached check of motcua/rasa_server.py, with TEDPolicy;
* the cached check, without TEDPolicy (the shipped setup now).

Each variant answers "xin chào" (utter_greet: NLU, policies, tracker; no custom action) and "dang
ky khai sinh cho con" (the same plus the action server's search and card) in a new conversation.
The models are the fast-training copies of the tests (same pipeline and policies, fewer epochs).

    .venv/app/bin/python -m bench.turn_cost --turns 60
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from bench._machine import machine
from motcua import rasa_model
from motcua.settings import REPO_ROOT, Settings
from tests.conftest import free_port
from tests.support.system import fast_config

# Run by Rasa's Python: prints one JSON line of per-variant medians.
IN_RASA = r'''
import asyncio, json, statistics, sys, time, uuid
from motcua import rasa_server
import rasa.core.actions.action as action
from rasa.core.agent import load_agent
from rasa.core.utils import AvailableEndpoints

models, turns = json.loads(sys.argv[1]), int(sys.argv[2])
rasa_check = action.RemoteAction._validate_action_result
TURNS = {"greet": "xin chào", "procedure": "dang ky khai sinh cho con"}

async def main():
    endpoints = AvailableEndpoints.read_endpoints(sys.argv[3])
    agents = {name: await load_agent(model_path=path, endpoints=endpoints) for name, path in models.items()}
    variants = [(check, name) for check in ("rasa", "cached") for name in agents]
    times = {(check, name, kind): [] for check, name in variants for kind in TURNS}
    for round_ in range(turns + 3):  # three warm-up rounds
        for check, name in variants:
            if check == "rasa":
                action.RemoteAction._validate_action_result = rasa_check
            else:
                rasa_server.install()
            for kind, text in TURNS.items():
                started = time.perf_counter()
                replies = await agents[name].handle_text(text, sender_id=uuid.uuid4().hex)
                elapsed = time.perf_counter() - started
                assert replies, (check, name, kind)
                if round_ >= 3:
                    times[(check, name, kind)].append(elapsed)
    print(json.dumps([{"check": c, "config": n, "turn": k, "median_ms": statistics.median(v) * 1000,
                       "p90_ms": statistics.quantiles(v, n=10)[-1] * 1000} for (c, n, k), v in times.items()]))

asyncio.run(main())
'''


def models(folder: Path, rasa_venv: Path) -> dict[str, str]:
    """The test-speed models with and without TEDPolicy (trained once, cached by fingerprint)."""
    shipped = fast_config(folder)
    config = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    if not any(p["name"] == "TEDPolicy" for p in config["policies"]):
        config["policies"].append({"name": "TEDPolicy", "max_history": 5, "epochs": 5,
                                   "constrain_similarities": True, "random_seed": 42})
    with_ted = folder / "config.ted.yml"
    with_ted.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config["policies"] = [p for p in config["policies"] if p["name"] != "TEDPolicy"]
    without = folder / "config.no-ted.yml"
    without.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    settings = Settings(data_dir=folder, models_dir=REPO_ROOT / "var" / "test-models", rasa_venv=rasa_venv)
    return {"with TED": str(rasa_model.ensure_model(settings, with_ted)),
            "without TED": str(rasa_model.ensure_model(settings, without))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=60, help="timed turns of each kind per variant")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / "var",
                        help="the action server's data folder (its indexes and e5 model)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    rasa_venv = REPO_ROOT / ".venv" / "rasa"
    with tempfile.TemporaryDirectory(prefix="motcua-turn-cost-") as tmp:
        folder = Path(tmp)
        trained = models(folder, rasa_venv)
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "MOTCUA_DATA_DIR": str(args.data_dir),
               "SANIC_HOST": "127.0.0.1", "HF_HUB_OFFLINE": "1"}
        actions = subprocess.Popen([sys.executable, "-m", "motcua.action_server", "--actions", "bot.actions",
                                    "--port", str(port)], cwd=REPO_ROOT, env=env,
                                   stdout=(folder / "actions.log").open("wb"), stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if actions.poll() is not None or time.monotonic() > deadline:
                    sys.exit((folder / "actions.log").read_text()[-3000:])
                time.sleep(0.5)
            settings = Settings(data_dir=folder, action_port=port, rasa_venv=rasa_venv)
            rasa_env = rasa_model.rasa_environment(settings)
            out = subprocess.run([str(rasa_venv / "bin" / "python"), "-c", IN_RASA, json.dumps(trained),
                                  str(args.turns), str(rasa_model.ENDPOINTS)],
                                 cwd=REPO_ROOT, env=rasa_env, capture_output=True, text=True, check=False)
        finally:
            actions.terminate()
            actions.wait(30)
    if out.returncode != 0:
        sys.exit(out.stderr[-4000:])
    rows = json.loads(out.stdout.strip().splitlines()[-1])
    median = {(r["check"], r["config"], r["turn"]): r["median_ms"] for r in rows}
    print(f"{'answer check':14} {'config':12} {'greet ms':>9} {'procedure ms':>13} {'ratio':>6}")
    for check in ("rasa", "cached"):
        for config in trained:
            greet, procedure = median[(check, config, "greet")], median[(check, config, "procedure")]
            print(f"{check:14} {config:12} {greet:9.1f} {procedure:13.1f} {procedure / greet:6.2f}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "turns": args.turns, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
