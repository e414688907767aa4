"""Signing in to the workspace: argon2 passwords, a signed HttpOnly SameSite cookie,
CSRF on every form, lockout after repeated failures, sign-out, and sessions that end
when an account is disabled, gets a new password, or sits idle too long."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from casework import db, users
from casework.config import Config
from tests.cases import case_in
from tests.staff_site import (
    PASSWORD,
    add_accounts,
    client,
    sign_in,
    signed_in,
    staff_app,
    token,
    user_row,
)
from web.auth import SESSION_COOKIE

LOCKED = "เข้าสู่ระบบไม่สำเร็จหลายครั้งเกินไป"
WRONG = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"


@pytest.fixture
def app(db_url: str, tmp_path: Path, cfg: Config) -> Any:
    with staff_app(db_url, tmp_path) as app:
        add_accounts(app.state.engine, cfg)
        yield app


def session_cookie(response: Any) -> str:
    found = [h for h in response.headers.get_list("set-cookie")
             if h.startswith(SESSION_COOKIE + "=")]
    assert len(found) == 1, response.headers
    return found[0]


def test_sign_in_sets_a_signed_httponly_samesite_cookie(app: Any) -> None:
    c = client(app)
    r = sign_in(c, "officer1")
    assert (r.status_code, r.headers["location"]) == (303, "/staff/inbox")
    cookie = session_cookie(r).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # an http site: a Secure cookie would never come back
    page = c.get("/staff/inbox")
    assert page.status_code == 200 and "OFFICER1" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert user_row(app.state.engine, "officer1").last_login_at is not None


def test_cookie_is_secure_on_an_https_site(db_url: str, tmp_path: Path, cfg: Config) -> None:
    with staff_app(db_url, tmp_path, base_url="https://complaints.example.org") as app:
        add_accounts(app.state.engine, cfg)
        r = sign_in(client(app, base_url="https://testserver"), "officer1")
        assert r.status_code == 303
        assert "secure" in session_cookie(r).lower()


def test_wrong_password_and_unknown_user_look_the_same(app: Any) -> None:
    c = client(app)
    for name, password in (("officer1", "wrong-password"), ("nobody", PASSWORD),
                           ("OFFICER1 ", "wrong-password")):
        r = sign_in(c, name, password)
        assert r.status_code == 401
        assert WRONG in r.text and SESSION_COOKIE not in r.headers.get("set-cookie", "")
    assert c.get("/staff/inbox", follow_redirects=False).status_code == 303
    r = sign_in(c, "OFFICER1 ")  # the name as typed, any case and spaces
    assert r.status_code == 303


def test_lockout_after_five_failures_even_with_the_right_password(app: Any) -> None:
    c = client(app)
    for _ in range(5):
        assert sign_in(c, "eng1", "not-the-password").status_code == 401
    r = sign_in(c, "eng1")
    assert r.status_code == 429 and LOCKED in r.text
    assert int(r.headers["retry-after"]) > 800
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    assert sign_in(c, "officer1").status_code == 303  # others on this computer still can
    # fifteen minutes later the account opens again
    limiter = app.state.login_limits.user
    later = time.monotonic() + 901
    limiter._clock = lambda: later
    assert sign_in(client(app), "eng1").status_code == 303


def test_one_client_trying_many_names_is_stopped(db_url: str, tmp_path: Path,
                                                 cfg: Config) -> None:
    with staff_app(db_url, tmp_path, login_client_failures=3) as app:
        add_accounts(app.state.engine, cfg)
        c = client(app)
        for name in ("root", "test", "guest"):
            assert sign_in(c, name, "123456").status_code == 401
        r = sign_in(c, "officer1")
        assert r.status_code == 429 and LOCKED in r.text


def test_forms_without_a_valid_csrf_token_are_refused(app: Any, cfg: Config) -> None:
    c = client(app)
    r = c.post("/staff/login", data={"username": "officer1", "password": PASSWORD})
    assert r.status_code == 403
    other = client(app)
    r = c.post("/staff/login", data={"username": "officer1", "password": PASSWORD,
                                     "csrf_token": token(other)})
    assert r.status_code == 403
    c = signed_in(app, "officer1")
    with db.transaction(app.state.engine) as s:
        case_id = case_in(s, cfg, "not_received").id
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": token(other)}):
        r = c.post(f"/staff/cases/{case_id}/act/receive", data={"version": "1", **data})
        assert r.status_code == 403
        assert c.post("/staff/logout", data=data).status_code == 403
    with db.reading(app.state.engine) as s:
        state = s.scalar(sa.text("SELECT state FROM cases WHERE id = :i"), {"i": case_id})
    assert state == "not_received"
    assert c.get("/staff/inbox").status_code == 200  # still signed in


def test_sign_out_ends_the_session(app: Any) -> None:
    c = signed_in(app, "officer1")
    kept = c.cookies.get(SESSION_COOKIE)
    r = c.post("/staff/logout", data={"csrf_token": token(c, "/staff/inbox")},
               follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/staff/login?done=out")
    assert c.get("/staff/inbox", follow_redirects=False).status_code == 303
    assert "ออกจากระบบแล้ว" in c.get("/staff/login?done=out").text
    assert kept  # (the signed value itself stays valid until it idles out)


def test_disabling_an_account_or_a_new_password_ends_its_sessions(app: Any) -> None:
    engineer = signed_in(app, "eng1")
    admin = signed_in(app, "admin1")
    eng_id = user_row(app.state.engine, "eng1").id

    def post(path: str, **data: str) -> Any:
        return admin.post(path, data={"csrf_token": token(admin, "/staff/admin/users"), **data},
                          follow_redirects=False)

    assert post(f"/staff/admin/users/{eng_id}/active", active="0").status_code == 303
    assert engineer.get("/staff/queue", follow_redirects=False).status_code == 303
    assert sign_in(client(app), "eng1").status_code == 401  # disabled: as if unknown
    assert post(f"/staff/admin/users/{eng_id}/active", active="1").status_code == 303
    assert engineer.get("/staff/queue", follow_redirects=False).status_code == 303  # still over
    engineer = signed_in(app, "eng1")
    r = post(f"/staff/admin/users/{eng_id}/password", password="short")
    assert r.status_code == 422
    assert engineer.get("/staff/queue").status_code == 200
    r = post(f"/staff/admin/users/{eng_id}/password", password="a-new-long-password")
    assert r.status_code == 303
    assert engineer.get("/staff/queue", follow_redirects=False).status_code == 303
    assert sign_in(client(app), "eng1").status_code == 401
    assert sign_in(client(app), "eng1", "a-new-long-password").status_code == 303
    admin_id = user_row(app.state.engine, "admin1").id
    assert post(f"/staff/admin/users/{admin_id}/active", active="0").status_code == 409


def _aged_cookie(app: Any, username: str, seconds: float) -> str:
    class Aged(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - seconds)

    user = user_row(app.state.engine, username)
    signer = URLSafeTimedSerializer(app.state.secret_key, salt="casework.session", signer=Aged)
    return str(signer.dumps([user.id, user.session_version]))


def test_idle_sessions_expire_and_active_ones_are_renewed(app: Any) -> None:
    c = client(app)
    c.cookies.set(SESSION_COOKIE, _aged_cookie(app, "officer1", 9 * 3600))
    r = c.get("/staff/inbox", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/staff/login?next=/staff/inbox")
    c = client(app)
    c.cookies.set(SESSION_COOKIE, _aged_cookie(app, "officer1", 3600))
    r = c.get("/staff/inbox")
    assert r.status_code == 200
    renewed = session_cookie(r)
    assert "httponly" in renewed.lower()
    fresh = client(app)
    fresh.cookies.set(SESSION_COOKIE, renewed.split(";")[0].split("=", 1)[1])
    assert fresh.get("/staff/inbox").status_code == 200
    forged = client(app)
    forged.cookies.set(SESSION_COOKIE, "forged.value.here")
    assert forged.get("/staff/inbox", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(("asked", "lands"), [
    ("/staff/queue?badge=overdue", "/staff/queue?badge=overdue"),
    ("//evil.example/staff", "/staff/inbox"),
    ("https://evil.example/staff", "/staff/inbox"),
    ("/staff/login", "/staff/inbox"),
    ("/\\evil.example", "/staff/inbox"),
])
def test_after_signing_in_only_pages_of_the_workspace(app: Any, asked: str, lands: str) -> None:
    r = sign_in(client(app), "officer1", next=asked)
    assert (r.status_code, r.headers["location"]) == (303, lands)


def test_the_service_refuses_too(app: Any, cfg: Config) -> None:
    """A hand-made request past the page: the service layer checks role and scope again."""
    c = signed_in(app, "health1")
    with db.transaction(app.state.engine) as s:
        case = case_in(s, cfg, "dispatched")  # an engineering case
    r = c.post(f"/staff/cases/{case.id}/act/complete",
               data={"csrf_token": token(c, "/staff/queue"), "version": str(case.version),
                     "note": "done"})
    assert r.status_code == 403
    with db.reading(app.state.engine) as s:
        assert users.get_user(s, "health1").role == "staff"
        assert s.scalar(sa.text("SELECT state FROM cases WHERE id = :i"),
                        {"i": case.id}) == "dispatched"
