"""Staff accounts: creating them, finding them, and acting as them."""

from __future__ import annotations

import re

from pwdlib import PasswordHash
from sqlmodel import Session, select

from casework.actors import Actor
from casework.config import Config
from casework.errors import Invalid, NotFound
from casework.models import User

STAFF_ROLES = ("officer", "staff", "supervisor", "integrity", "admin")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
_hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    return bool(hashed) and _hasher.verify(password, hashed or "")


def create_user(
    session: Session,
    cfg: Config,
    username: str,
    role: str,
    *,
    department: str | None = None,
    email: str | None = None,
    password: str | None = None,
    full_name: str = "",
) -> User:
    """Add a staff account. Staff need a department; supervisors without one head
    the complaint center."""
    problems: dict[str, str] = {}
    if not _USERNAME.match(username):
        problems["username"] = "2–60 characters: lower-case letters, digits, . _ -"
    if role not in STAFF_ROLES:
        problems["role"] = f"one of {', '.join(STAFF_ROLES)}"
    if department is not None and cfg.departments.get(department) is None:
        problems["department"] = f"unknown department {department!r}"
    if role == "staff" and department is None:
        problems["department"] = "staff belong to a department"
    if role in ("officer", "integrity", "admin") and department is not None:
        problems["department"] = f"{role} accounts have no department"
    if password is not None and len(password) < 8:
        problems["password"] = "at least 8 characters"
    if session.exec(select(User).where(User.username == username)).first() is not None:
        problems["username"] = f"{username!r} exists already"
    if problems:
        listing = "; ".join(f"{k}: {v}" for k, v in problems.items())
        raise Invalid(f"cannot add user: {listing}", fields=problems)
    user = User(username=username, role=role, department_code=department, email=email or None,
                full_name=full_name,
                password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise NotFound(f"no active user {username!r}", code="user_not_found")
    return user


def actor(user: User) -> Actor:
    return Actor(username=user.username, role=user.role, department=user.department_code,
                 user_id=user.id)
