"""Staff accounts: creating them, finding them, and acting as them."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from pwdlib import PasswordHash
from sqlmodel import Session, col, select

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


_dummy: list[str] = []  # a hash of nothing anyone knows, made on first use


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(hash_password(secrets.token_urlsafe(16)))
    return _dummy[0]


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None. An unknown or disabled
    name costs one password check too, so the time taken does not tell which it was."""
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None or not user.active or not user.password_hash:
        _hasher.verify(password, _dummy_hash())
        return None
    return user if verify_password(password, user.password_hash) else None


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise Invalid("the password is too short", fields={"password": "at least 8 characters"})
    if len(password) > 200:
        raise Invalid("the password is too long", fields={"password": "at most 200 characters"})


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
    if password is not None and not 8 <= len(password) <= 200:
        problems["password"] = "8–200 characters"
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


def get_user_by_id(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user #{user_id}", code="user_not_found")
    return user


def all_users(session: Session) -> list[User]:
    """Every account, active ones first, by role and name."""
    stmt = select(User).order_by(col(User.active).desc(), col(User.role), col(User.username))
    return list(session.exec(stmt).all())


def set_active(session: Session, user: User, active: bool) -> User:
    """Disable (or enable again) an account. Either way, the sessions it had end."""
    user.active = active
    user.session_version += 1
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> User:
    """Give an account a new password; the sessions it had end."""
    _check_password(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.add(user)
    session.flush()
    return user


def signed_in(session: Session, user: User, now: dt.datetime) -> None:
    user.last_login_at = now
    session.add(user)
    session.flush()
