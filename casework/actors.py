"""Who acts: a signed-in user, a citizen proving who they are, or the system."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    username: str
    role: str  # one of casework.states.ROLES, or "system"
    department: str | None = None
    user_id: int | None = None

    @property
    def label(self) -> str:
        return self.username


def citizen() -> Actor:
    """The complainant, acting with the tracking code and the phone number on file."""
    return Actor(username="citizen", role="citizen")


SYSTEM = Actor(username="system", role="system")
