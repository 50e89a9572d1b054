"""The petition lifecycle as data: states, actions, who may take them and where they lead.

Handlers never test status strings themselves; they ask ``action_allowed`` and ``ACTIONS``, so adding
a state or an action is an edit of these tables only (the FixMyStreet way).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Officer roles, from narrowest to widest."""

    OFFICER = "officer"  # cán bộ xử lý
    LEAD = "lead"  # lãnh đạo đơn vị
    TRIAGE = "triage"  # bộ phận điều phối
    ADMIN = "admin"  # quản trị


ROLE_LABELS = {
    Role.OFFICER: "Cán bộ xử lý",
    Role.LEAD: "Lãnh đạo đơn vị",
    Role.TRIAGE: "Điều phối",
    Role.ADMIN: "Quản trị",
}


@dataclass(frozen=True)
class State:
    """One status a petition can be in."""

    name: str
    label: str
    open311: str  # "open" or "closed", the only two statuses Open311 knows
    public: bool  # shown on the public page of resolved petitions
    handled: bool  # counts as answered for deadlines and on-time rate


STATES: dict[str, State] = {
    s.name: s
    for s in (
        State("received", "Đã tiếp nhận", "open", False, False),
        State("accepted", "Đang xử lý", "open", False, False),
        State("info_requested", "Chờ bổ sung thông tin", "open", False, False),
        State("answered", "Đã trả lời", "closed", True, True),
        State("closed", "Đã hoàn thành", "closed", True, True),
        State("rejected", "Không thụ lý", "closed", False, True),
        State("duplicate", "Đã gộp với phản ánh trùng", "closed", False, True),
    )
}
INITIAL_STATE = "received"


@dataclass(frozen=True)
class Action:
    """An officer or citizen action and its effect on the status."""

    name: str
    label: str
    from_states: frozenset[str]
    to_state: str | None  # None: status unchanged (e.g. a transfer keeps the petition "received")
    roles: frozenset[Role]
    needs_text: bool = False
    text_label: str = ""


_OPEN = frozenset({"received", "accepted", "info_requested"})
_ALL_STAFF = frozenset(Role)
_LEADS = frozenset({Role.LEAD, Role.TRIAGE, Role.ADMIN})

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("accept", "Thụ lý", frozenset({"received"}), "accepted", _ALL_STAFF),
        Action(
            "request_info", "Yêu cầu bổ sung thông tin", frozenset({"received", "accepted"}),
            "info_requested", _ALL_STAFF, True, "Thông tin cần người dân bổ sung",
        ),
        Action(
            "transfer", "Chuyển đơn vị khác", _OPEN, "received", _LEADS, True, "Lý do chuyển",
        ),
        Action("reject", "Không thụ lý", _OPEN, "rejected", _LEADS, True, "Lý do không thụ lý"),
        Action(
            "answer", "Trả lời", frozenset({"accepted", "info_requested"}), "answered", _ALL_STAFF,
            True, "Nội dung trả lời (sẽ gửi người dân và công khai)",
        ),
        Action("close", "Đóng phản ánh", frozenset({"answered"}), "closed", _LEADS),
    )
}

# Citizen-side transitions, not offered in the console.
CITIZEN_INFO_STATES = frozenset({"info_requested"})
REOPENABLE_STATES = frozenset({"answered", "closed"})
MAX_REOPENS = 1


def action_allowed(action: str, status: str, role: Role) -> bool:
    """Whether an officer of this role may take this action on a petition in this status."""
    spec = ACTIONS.get(action)
    return spec is not None and status in spec.from_states and role in spec.roles


def actions_for(status: str, role: Role) -> list[Action]:
    """The actions the console offers for a petition in this status."""
    return [a for a in ACTIONS.values() if action_allowed(a.name, status, role)]


def is_overdue_candidate(status: str) -> bool:
    """Only petitions still waiting for an answer can be overdue."""
    return not STATES[status].handled
