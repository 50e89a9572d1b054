"""The lifecycle table: which actor may take which action from which status, and where it leads."""

from __future__ import annotations

import inspect
import re

import pytest

import feedback.service
from feedback.lifecycle import (
    ACTIONS, CITIZEN, NEW, STATES, SYSTEM, NotAllowed, Role, action_allowed, actions_for, next_state,
)

# The citizen's moves, written out by hand: the table must say exactly this.
CITIZEN_MOVES = {
    "file": ({NEW}, "received"),
    "add_info": ({"info_requested"}, "accepted"),
    "satisfied": ({"answered", "closed"}, "closed"),
    "reopen": ({"answered", "closed"}, "accepted"),
}
EVERY_STATUS = [NEW, *STATES]


@pytest.mark.parametrize("action", sorted(CITIZEN_MOVES))
@pytest.mark.parametrize("status", EVERY_STATUS)
def test_citizen_actions_only_from_their_states(action: str, status: str) -> None:
    sources, target = CITIZEN_MOVES[action]
    if status in sources:
        assert action_allowed(action, status, CITIZEN)
        assert next_state(action, status, CITIZEN) == target
    else:
        assert not action_allowed(action, status, CITIZEN)
        with pytest.raises(NotAllowed):
            next_state(action, status, CITIZEN)


def test_the_citizen_takes_no_officer_action_and_no_officer_takes_a_citizen_one() -> None:
    officer_actions = {"accept", "request_info", "transfer", "reject", "answer", "close"}
    assert officer_actions | set(CITIZEN_MOVES) | {"merge"} == set(ACTIONS)
    for status in EVERY_STATUS:
        assert not any(action_allowed(a, status, CITIZEN) for a in officer_actions)
        for role in Role:
            offered = {a.name for a in actions_for(status, role)}
            assert offered <= officer_actions, (status, role, offered)


def test_only_the_system_merges_a_new_duplicate() -> None:
    assert next_state("merge", "received", SYSTEM) == "duplicate"
    assert not action_allowed("merge", "received", CITIZEN)
    assert not any(action_allowed("merge", "received", role) for role in Role)
    assert not action_allowed("merge", "accepted", SYSTEM)


def test_an_information_request_is_answered_back_into_the_queue() -> None:
    status = next_state("file", NEW, CITIZEN)
    status = next_state("request_info", status, Role.OFFICER)
    assert status == "info_requested"
    status = next_state("add_info", status, CITIZEN)
    assert not STATES[status].handled  # back in the officer's queue
    assert "request_info" in {a.name for a in actions_for(status, Role.OFFICER)}  # may ask again


def test_every_target_is_a_known_state() -> None:
    for action in ACTIONS.values():
        assert action.to_state is None or action.to_state in STATES
        assert action.from_states <= {NEW, *STATES}
        assert action.roles, action.name


def test_the_service_sets_no_status_but_through_the_table() -> None:
    source = inspect.getsource(feedback.service)
    assignments = re.findall(r"\.status\s*=(?!=)\s*(.+)", source)
    assert assignments, "the service must set statuses somewhere"
    assert all(value.startswith(("next_state(", "to_status")) for value in assignments), assignments
