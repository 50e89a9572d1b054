"""Every response an action names by string is a response of domain.yml: a typo would otherwise
show up only as a silent turn in a running conversation."""

from __future__ import annotations

import re

from tests.bot.actions.chat import DOMAIN
from tests.conftest import REPO_ROOT


def test_every_response_the_actions_name_is_in_the_domain() -> None:
    named = {name for path in (REPO_ROOT / "bot" / "actions").glob("*.py")
             for name in re.findall(r"[\"'](utter_\w+)[\"']", path.read_text(encoding="utf-8"))}
    assert {"utter_answer_failed", "utter_checklist_paper", "utter_handover_queued"} <= named
    assert sorted(named - set(DOMAIN["responses"])) == []
