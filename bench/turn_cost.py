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

With ``--exports fp32 q4`` one action server runs per ONNX export of e5 (the shipped compact 4-bit
one and the fp32 one it replaced; ``knowledge.retrieval.semantic.EXPORTS``), each with its own
agents, all in the same rotation.

    .venv/app/bin/python -m bench.turn_cost --turns 60 [--exports fp32 q4]
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

from bench._machine import machine, rss_mib
from knowledge.retrieval.onnx_encoder import ONNX_FILE, Q4_FILE
from motcua import rasa_model
from motcua.settings import REPO_ROOT, Settings
from tests.conftest import free_port
from tests.support.system import fast_config

EXPORT_FILES = {"fp32": ONNX_FILE, "q4": Q4_FILE}  # and "shipped": whatever the search picks

# Run by Rasa's Python: prints one JSON line of per-variant medians.
IN_RASA = r'''
import asyncio, json, os, statistics, sys, time, uuid
from motcua import rasa_server
import rasa.core.actions.action as action
from rasa.core.agent import load_agent
from rasa.core.utils import AvailableEndpoints

models, turns, servers = json.loads(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[4])
rasa_check = action.RemoteAction._validate_action_result
TURNS = {"greet": "xin chào", "procedure": "dang ky khai sinh cho con"}

async def main():
    agents = {}
    for export, url in servers.items():  # the endpoints file reads the action URL from the env
        os.environ["MOTCUA_ACTION_URL"] = url
        endpoints = AvailableEndpoints.read_endpoints(sys.argv[3])
        for name, path in models.items():
            agents[(name, export)] = await load_agent(model_path=path, endpoints=endpoints)
    variants = [(check, name, export) for check in ("rasa", "cached") for name, export in agents]
    times = {(*variant, kind): [] for variant in variants for kind in TURNS}
    for round_ in range(turns + 3):  # three warm-up rounds
        for check, name, export in variants:
            if check == "rasa":
                action.RemoteAction._validate_action_result = rasa_check
            else:
                rasa_server.install()
            for kind, text in TURNS.items():
                started = time.perf_counter()
                replies = await agents[(name, export)].handle_text(text, sender_id=uuid.uuid4().hex)
                elapsed = time.perf_counter() - started
                assert replies, (check, name, export, kind)
                if round_ >= 3:
                    times[(check, name, export, kind)].append(elapsed)
    print(json.dumps([{"check": c, "config": n, "export": e, "turn": k,
                       "median_ms": statistics.median(v) * 1000,
                       "p90_ms": statistics.quantiles(v, n=10)[-1] * 1000}
                      for (c, n, e, k), v in times.items()]))

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


def start_actions(folder: Path, data_dir: Path, export: str) -> tuple[subprocess.Popen, int]:
    """The real action server on a free port; for an ``export`` other than "shipped", a
    ``sitecustomize`` on its path makes the e5 encoder run that ONNX file in every process."""
    port = free_port()
    path = str(REPO_ROOT)
    if export != "shipped":
        site = folder / f"site-{export}"
        site.mkdir()
        (site / "sitecustomize.py").write_text(
            "from pathlib import Path\nfrom knowledge.retrieval import semantic\n"
            f"semantic.EXPORTS = (Path({str(EXPORT_FILES[export])!r}),)\n", encoding="utf-8")
        path = f"{site}{os.pathsep}{path}"
    env = {**os.environ, "PYTHONPATH": path, "MOTCUA_DATA_DIR": str(data_dir),
           "SANIC_HOST": "127.0.0.1", "HF_HUB_OFFLINE": "1"}
    log = folder / f"actions-{export}.log"
    command = [sys.executable, "-m", "motcua.action_server", "--actions", "bot.actions",
               "--port", str(port)]
    actions = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log.open("wb"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return actions, port
        except httpx.HTTPError:
            pass
        if actions.poll() is not None or time.monotonic() > deadline:
            actions.kill()
            sys.exit(log.read_text()[-3000:])
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=60, help="timed turns of each kind per variant")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / "var",
                        help="the action server's data folder (its indexes and e5 model)")
    parser.add_argument("--exports", nargs="+", choices=["shipped", *EXPORT_FILES],
                        default=["shipped"], help="one action server per ONNX export of e5 (default: as shipped)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    rasa_venv = REPO_ROOT / ".venv" / "rasa"
    servers: dict[str, tuple[subprocess.Popen, int]] = {}
    with tempfile.TemporaryDirectory(prefix="motcua-turn-cost-") as tmp:
        folder = Path(tmp)
        trained = models(folder, rasa_venv)
        try:
            for export in args.exports:
                servers[export] = start_actions(folder, args.data_dir, export)
            urls = {export: Settings(data_dir=folder, action_port=port).action_url
                    for export, (_, port) in servers.items()}
            settings = Settings(data_dir=folder, rasa_venv=rasa_venv)
            rasa_env = rasa_model.rasa_environment(settings)
            out = subprocess.run([str(rasa_venv / "bin" / "python"), "-c", IN_RASA, json.dumps(trained),
                                  str(args.turns), str(rasa_model.ENDPOINTS), json.dumps(urls)],
                                 cwd=REPO_ROOT, env=rasa_env, capture_output=True, text=True, check=False)
            memory = {export: rss_mib(actions.pid) for export, (actions, _) in servers.items()}
        finally:
            for actions, _ in servers.values():
                actions.terminate()
                actions.wait(30)
    if out.returncode != 0:
        sys.exit(out.stderr[-4000:])
    rows = json.loads(out.stdout.strip().splitlines()[-1])
    median = {(r["check"], r["config"], r["export"], r["turn"]): r["median_ms"] for r in rows}
    print(f"{'e5 export':10} {'answer check':14} {'config':12} {'greet ms':>9} "
          f"{'procedure ms':>13} {'ratio':>6}")
    for export in args.exports:
        for check in ("rasa", "cached"):
            for config in trained:
                greet = median[(check, config, export, "greet")]
                procedure = median[(check, config, export, "procedure")]
                print(f"{export:10} {check:14} {config:12} {greet:9.1f} {procedure:13.1f} "
                      f"{procedure / greet:6.2f}")
    for export, rss in memory.items():
        print(f"action server RSS ({export}, all its processes): {rss or 0:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "turns": args.turns, "rows": rows,
                                         "action_server_rss_mib": memory}, indent=1))


if __name__ == "__main__":
    main()
