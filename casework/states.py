"""The case life cycle: states, the one transition table, and the state machine.

`TRANSITIONS` is the single source of truth: the `transitions` Machine below is built
from it, and so are the actions a user is offered (`allowed`) and the API's list.
One module-level Machine serves every case; triggers fire on a small holder object,
never on a database row (see pitfalls: no Machine per row, no add_model per request).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from transitions import Machine, MachineError

from casework.errors import NotAllowed


class State(StrEnum):
    NOT_RECEIVED = "not_received"
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    COMPLETED = "completed"
    REJECTED = "rejected"
    REFERRED = "referred"


# state: (Thai label, English label, public symbol, open?)
STATE_INFO: dict[State, tuple[str, str, str, bool]] = {
    State.NOT_RECEIVED: ("ยังไม่รับเรื่อง", "Not received", "☹", True),
    State.RECEIVED: ("รับเรื่องแล้ว", "Received", "☺", True),
    State.DISPATCHED: ("ส่งการแล้ว", "Dispatched", "☻", True),
    State.COMPLETED: ("เสร็จเรียบร้อยแล้ว", "Completed", "☼", False),
    State.REJECTED: ("ไม่รับเรื่อง", "Rejected", "✕", False),
    State.REFERRED: ("ส่งต่อหน่วยงานภายนอก", "Referred to another agency", "➜", False),
}
OPEN_STATES = frozenset(s for s, info in STATE_INFO.items() if info[3])


def label_th(state: str) -> str:
    return STATE_INFO[State(state)][0]


def symbol(state: str) -> str:
    return STATE_INFO[State(state)][2]


# Roles (SPEC §1). "citizen" acts without an account (tracking code + phone).
ROLES = ("citizen", "officer", "staff", "supervisor", "integrity", "admin")

# Who may act in which capacity:
#   officer  – the complaint center (triage)
#   dept     – staff or supervisor of the case's department (a center supervisor too)
#   super    – a supervisor (of the case's department, or of the center)
#   citizen  – the complainant, identified by tracking code and the phone on file


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[State, ...]
    dest: State
    roles: tuple[str, ...]  # capacities: officer, dept, super, citizen
    requires: tuple[str, ...]  # data that must be given (see service guards)
    label_th: str
    label_en: str


S = State
TRANSITIONS: tuple[Transition, ...] = (
    Transition("receive", (S.NOT_RECEIVED,), S.RECEIVED, ("officer",),
               ("category",), "รับเรื่อง", "Accept"),
    Transition("dispatch", (S.RECEIVED,), S.DISPATCHED, ("officer",),
               ("department", "consideration"), "ส่งการ", "Dispatch"),
    Transition("reassign", (S.DISPATCHED,), S.DISPATCHED, ("officer", "super"),
               ("department", "reason"), "เปลี่ยนหน่วยงาน", "Reassign"),
    Transition("return_to_center", (S.DISPATCHED,), S.RECEIVED, ("dept",),
               ("reason",), "ส่งคืนศูนย์", "Return to the center"),
    Transition("complete", (S.DISPATCHED,), S.COMPLETED, ("dept",),
               ("note",), "ดำเนินการเสร็จ", "Complete"),
    Transition("reject", (S.NOT_RECEIVED, S.RECEIVED), S.REJECTED, ("officer",),
               ("reason",), "ไม่รับเรื่อง", "Reject"),
    Transition("refer", (S.NOT_RECEIVED, S.RECEIVED), S.REFERRED, ("officer",),
               ("agency", "note"), "ส่งต่อหน่วยงานภายนอก", "Refer out"),
    Transition("reopen", (S.COMPLETED,), S.DISPATCHED, ("officer", "citizen"),
               ("reason",), "เปิดเรื่องใหม่", "Reopen"),
    Transition("progress", (S.DISPATCHED,), S.DISPATCHED, ("dept",),
               ("note",), "บันทึกความคืบหน้า", "Progress note"),
)
BY_TRIGGER: dict[str, Transition] = {t.trigger: t for t in TRANSITIONS}
TRIGGERS: tuple[str, ...] = tuple(BY_TRIGGER)

MACHINE = Machine(
    model=None,
    states=State,
    transitions=[
        {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in TRANSITIONS
    ],
    initial=State.NOT_RECEIVED,
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
)


class _Holder:
    """What the Machine fires on: just the state, copied in from the case."""

    __slots__ = ("state",)

    def __init__(self, state: State):
        self.state = state


def next_state(state: str, trigger: str) -> State:
    """Fire `trigger` from `state` on the shared machine; NotAllowed if it may not."""
    if trigger not in MACHINE.events:
        raise NotAllowed(f"unknown action {trigger!r}", code="unknown_trigger", trigger=trigger)
    holder = _Holder(State(state))
    try:
        MACHINE.events[trigger].trigger(holder)
    except MachineError as exc:
        raise NotAllowed(
            f"cannot {trigger} a case that is {State(state).value}",
            code="bad_state", trigger=trigger, state=str(state),
        ) from exc
    return holder.state


def triggers_from(state: str) -> list[str]:
    """Triggers the machine accepts from `state`, in table order."""
    names = set(MACHINE.get_triggers(State(state)))
    return [t for t in TRIGGERS if t in names]


class Actor(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def department(self) -> str | None: ...


class CaseLike(Protocol):
    @property
    def state(self) -> str: ...
    @property
    def department_code(self) -> str | None: ...
    @property
    def track(self) -> str: ...


def capacities(case: CaseLike, actor: Actor) -> set[str]:
    """The capacities (see TRANSITIONS.roles) in which `actor` may act on `case`."""
    role = actor.role
    if case.track == "corruption":
        # Sealed track: the integrity officer is the officer and the department.
        return {"officer", "dept", "super"} if role == "integrity" else set()
    caps: set[str] = set()
    if role == "officer":
        caps.add("officer")
    if role in ("staff", "supervisor") and (
        (actor.department is None and role == "supervisor")
        or (case.department_code is not None and actor.department == case.department_code)
    ):
        caps.add("dept")
    if role == "supervisor" and (
        actor.department is None or actor.department == case.department_code
    ):
        caps.add("super")
    if role == "citizen":
        caps.add("citizen")
    return caps


def permitted(transition: Transition, case: CaseLike, actor: Actor) -> bool:
    return bool(capacities(case, actor) & set(transition.roles))


def allowed(case: CaseLike, actor: Actor) -> list[str]:
    """The triggers `actor` may fire on `case` right now (state and role both)."""
    return [t for t in triggers_from(case.state) if permitted(BY_TRIGGER[t], case, actor)]
