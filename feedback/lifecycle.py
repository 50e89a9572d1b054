"""The petition lifecycle as data: states, actions, who may take them and where they lead.

Handlers never test or set status strings themselves; they ask ``action_allowed`` and
``next_state``, so adding a state or an action is an edit of these tables only (the FixMyStreet
way). Citizens and the system are actors in the same table as officers, with their own roles.
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


# Actor roles that are not officers: they never log in to the console, so they are not a Role.
CITIZEN = "citizen"  # the citizen who holds the tracking code, on any channel or the web page
SYSTEM = "system"  # automatic moves, such as merging a duplicate while filing

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
NEW = ""  # the "state" of a petition not filed yet: filing is the action out of it


@dataclass(frozen=True)
class Action:
    """An officer, citizen or system action and its effect on the status."""

    name: str
    label: str
    from_states: frozenset[str]
    to_state: str | None  # None: status unchanged
    roles: frozenset[str]  # Role values, CITIZEN or SYSTEM
    needs_text: bool = False
    text_label: str = ""


_OPEN = frozenset({"received", "accepted", "info_requested"})
_ALL_STAFF = frozenset(Role)
_LEADS = frozenset({Role.LEAD, Role.TRIAGE, Role.ADMIN})
_CITIZEN = frozenset({CITIZEN})
_ANSWERED = frozenset({"answered", "closed"})

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
        # The citizen's side (never offered in the console: no officer role takes them).
        Action("file", "Gửi phản ánh", frozenset({NEW}), "received", _CITIZEN),
        Action(
            "add_info", "Người dân bổ sung thông tin", frozenset({"info_requested"}), "accepted",
            _CITIZEN, True, "Thông tin bổ sung",
        ),
        Action("satisfied", "Người dân hài lòng, đóng phản ánh", _ANSWERED, "closed", _CITIZEN),
        Action("reopen", "Người dân chưa hài lòng, mở lại", _ANSWERED, "accepted", _CITIZEN),
        # Filing a near-duplicate of an open petition merges it at once.
        Action("merge", "Gộp với phản ánh trùng", frozenset({"received"}), "duplicate",
               frozenset({SYSTEM})),
    )
}
MAX_REOPENS = 1  # besides the table: a citizen may reopen a petition once


class NotAllowed(ValueError):
    """The table has no such move for this actor from this status."""


def action_allowed(action: str, status: str, role: str) -> bool:
    """Whether an actor of this role (a Role, CITIZEN or SYSTEM) may take this action now."""
    spec = ACTIONS.get(action)
    return spec is not None and status in spec.from_states and role in spec.roles


def next_state(action: str, status: str, role: str) -> str:
    """The status after the action; NotAllowed when the table does not allow it."""
    if not action_allowed(action, status, role):
        raise NotAllowed(f"{role} may not {action} from {status or 'new'}")
    return ACTIONS[action].to_state or status


def actions_for(status: str, role: Role) -> list[Action]:
    """The actions the console offers an officer for a petition in this status."""
    return [a for a in ACTIONS.values() if action_allowed(a.name, status, role)]
