"""What the action forms of the workspace send for each trigger of the transition
table, and the choices they offer. Which triggers a person gets a form for is decided
by casework.states.allowed, never here."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from casework import states
from casework.config import Config
from casework.models import Case
from web import forms

# The fields each trigger's form sends (besides the case version and the CSRF token).
FIELDS: dict[str, tuple[str, ...]] = {
    "receive": ("category", "note", "internal"),
    "dispatch": ("department", "consideration", "days", "note", "internal"),
    "reassign": ("department", "reason"),
    "return_to_center": ("reason",),
    "complete": ("note",),
    "reject": ("reason", "duplicate_of", "note", "internal"),
    "refer": ("agency", "note"),
    "reopen": ("reason",),
    "progress": ("note", "internal"),
}
WITH_PHOTO = frozenset({"progress", "complete"})  # one photo may come with these
if set(FIELDS) != set(states.TRIGGERS):  # a new trigger in the table needs its form
    raise RuntimeError(f"forms missing for {set(states.TRIGGERS) - set(FIELDS)}")


def action_data(form: FormData, trigger: str) -> dict[str, Any]:
    """The data a submitted action form carries for service.act (blank fields left out,
    so the service's defaults and its 'required' messages apply)."""
    data: dict[str, Any] = {}
    for name in FIELDS[trigger]:
        value = forms.text(form, name)
        if name == "internal":
            data[name] = bool(value)
        elif value.strip():
            data[name] = value
    if trigger == "dispatch" and data.get("consideration") != "urgent":
        data.pop("days", None)  # only an urgent case has its days chosen (1–7)
    return data


def choices(cfg: Config, case: Case) -> dict[str, Any]:
    """The options of the action forms for this case: categories, departments that
    take cases on its track, considerations, reasons to reject, the router's proposal."""
    sealed = case.track == "corruption"
    kind = "integrity" if sealed else "department"
    departments = [c for c, d in cfg.departments.items() if d.kind == kind]
    categories = ([case.category_code] if sealed else list(cfg.categories))
    proposal = case.suggestion or {}
    proposed_dept = proposal.get("department")
    default_dept = (proposed_dept if proposed_dept in departments
                    else cfg.categories[case.category_code].department)
    if default_dept not in departments:
        default_dept = departments[0] if departments else ""
    proposed_cat = proposal.get("category")
    return {
        "categories": categories,
        # the router weighed the citizen's own choice in already
        "category": proposed_cat if proposed_cat in categories else case.category_code,
        "departments": departments,
        "department": default_dept,
        "considerations": cfg.considerations,
        "consideration": "urgent" if proposal.get("urgent") else (
            "survey" if proposal.get("procurement") else "normal"),
        "reject_reasons": list(cfg.reject_reasons),
        "agency": proposal.get("agency") or "",
        "after_photo": cfg.categories[case.category_code].after_photo,
    }
