"""Typed domain errors. The web layer maps each to one status code and message.

Every error carries a stable `code` (for message catalogs and the API) and `params`.
"""

from __future__ import annotations

from typing import Any


class CaseworkError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, code: str | None = None, **params: Any):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.params = params


class NotFound(CaseworkError):
    """No such case, user, department…, or one the actor may not know exists."""

    code = "not_found"
    status = 404


class NotAllowed(CaseworkError):
    """The state machine refuses this move from the case's current state."""

    code = "not_allowed"
    status = 409


class Forbidden(CaseworkError):
    """The actor's role or department scope does not permit this action."""

    code = "forbidden"
    status = 403


class Conflict(CaseworkError):
    """Someone else changed the case first (optimistic version check)."""

    code = "conflict"
    status = 409


class Invalid(CaseworkError):
    """Missing or malformed input; `fields` maps field name to a message."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, fields: dict[str, str] | None = None, **params: Any):
        super().__init__(message, **params)
        self.fields = fields or {}
