"""motcua.rasa_server: Rasa's check of action answers, with the validator built once, accepts and
refuses exactly what Rasa's own check does. Run in Rasa's environment, on Rasa's own code."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT

CHECK = r'''
import copy
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from motcua import rasa_server

answers = [
    {"events": [], "responses": [{"text": "Xin chào"}]},
    {"events": [{"event": "slot", "name": "procedure_code", "value": "1.001193"}], "responses": []},
    {"events": [{"event": "slot"}], "responses": []},          # a slot event without its name
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
]
action = RemoteAction("action_answer_procedure", None)

def outcome(answer):
    try:
        return action._validate_action_result(copy.deepcopy(answer))
    except ValidationError as error:
        return error.message

rasa_own = [outcome(a) for a in answers]
rasa_server.install()
ours = [outcome(a) for a in answers]
assert ours == rasa_own, (ours, rasa_own)
assert rasa_own[:2] == [True, True] and all(isinstance(o, str) and "custom-actions" in o for o in rasa_own[2:])
print("same")
'''


def test_the_cached_check_judges_answers_as_rasa_does(rasa_venv: Path) -> None:
    completed = subprocess.run([str(rasa_venv / "bin" / "python"), "-c", CHECK], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=300,
                               env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false"})
    assert completed.returncode == 0 and completed.stdout.strip() == "same", completed.stderr[-3000:]
