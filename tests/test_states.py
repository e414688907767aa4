"""The transition table and the machine built from it (pure, no database)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from casework import states
from casework.actors import Actor, citizen
from casework.errors import NotAllowed
from casework.states import MACHINE, TRANSITIONS, State, allowed, next_state

SPEC = {  # SPEC §2, written out independently of the table
    ("not_received", "receive"): "received",
    ("received", "dispatch"): "dispatched",
    ("dispatched", "reassign"): "dispatched",
    ("dispatched", "return_to_center"): "received",
    ("dispatched", "complete"): "completed",
    ("not_received", "reject"): "rejected",
    ("received", "reject"): "rejected",
    ("not_received", "refer"): "referred",
    ("received", "refer"): "referred",
    ("completed", "reopen"): "dispatched",
    ("dispatched", "progress"): "dispatched",
}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("trigger", states.TRIGGERS)
def test_machine_matches_spec(state: State, trigger: str) -> None:
    expected = SPEC.get((state.value, trigger))
    if expected is None:
        with pytest.raises(NotAllowed):
            next_state(state, trigger)
    else:
        assert next_state(state, trigger) == expected


def test_no_automatic_transitions_and_one_machine() -> None:
    assert not any(name.startswith("to_") for name in MACHINE.events)
    assert set(MACHINE.events) == {t.trigger for t in TRANSITIONS}
    assert MACHINE.models == []  # nothing is ever attached to the shared machine
    next_state("received", "dispatch")
    assert MACHINE.models == []


def test_states_have_thai_labels_and_public_symbols() -> None:
    public = [(states.symbol(s), states.label_th(s)) for s in
              ("not_received", "received", "dispatched", "completed")]
    assert public == [("☹", "ยังไม่รับเรื่อง"), ("☺", "รับเรื่องแล้ว"), ("☻", "ส่งการแล้ว"),
                      ("☼", "เสร็จเรียบร้อยแล้ว")]
    assert states.OPEN_STATES == {State.NOT_RECEIVED, State.RECEIVED, State.DISPATCHED}


@dataclass
class FakeCase:
    state: str
    department_code: str | None = "engineering"
    track: str = "general"


@pytest.mark.parametrize(("case", "actor", "expected"), [
    (FakeCase("not_received", None), Actor("o", "officer"), ["receive", "reject", "refer"]),
    (FakeCase("not_received", None), Actor("s", "staff", "engineering"), []),
    (FakeCase("dispatched"), Actor("o", "officer"), ["reassign"]),
    (FakeCase("dispatched"), Actor("s", "staff", "engineering"),
     ["return_to_center", "complete", "progress"]),
    (FakeCase("dispatched"), Actor("s", "staff", "public_health"), []),
    (FakeCase("dispatched"), Actor("h", "supervisor", "engineering"),
     ["reassign", "return_to_center", "complete", "progress"]),
    (FakeCase("dispatched"), Actor("c", "supervisor", None),
     ["reassign", "return_to_center", "complete", "progress"]),
    (FakeCase("completed"), citizen(), ["reopen"]),
    (FakeCase("completed"), Actor("a", "admin"), []),
    (FakeCase("rejected"), Actor("o", "officer"), []),
    (FakeCase("not_received", None, "corruption"), Actor("o", "officer"), []),
    (FakeCase("not_received", None, "corruption"), Actor("i", "integrity"),
     ["receive", "reject", "refer"]),
    (FakeCase("not_received", None), Actor("i", "integrity"), []),
])
def test_allowed_for_user(case: FakeCase, actor: Actor, expected: list[str]) -> None:
    assert allowed(case, actor) == expected
