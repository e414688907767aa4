"""Staff sign-in: who is asking, and whether their role may open a page.

* The session is a cookie (`casework_session`) holding the user's id and the account's
  session version, signed with the site's key (itsdangerous) and time-stamped:
  HttpOnly, SameSite=Lax, Secure on an https site. It lapses after
  `session_idle_seconds` without a request (the cookie is re-signed as the person
  works, at most every few minutes). Disabling an account or setting its password bumps
  the version, which ends every session signed before.
* Every request reads the account again (one primary-key lookup), so a changed role,
  department or a disabled account takes effect at once.
* `require("officer", …)` is the dependency each staff route declares: not signed in
  → 303 to /staff/login?next=…; signed in with another role → 403 page.
* Failed sign-ins are counted per user name and per client address (sliding window,
  web.security.RateLimiter): over the limit, sign-in is refused with 429 for a while,
  even with the right password. An unknown user name costs a password check too.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casework import db, users
from casework.actors import Actor
from casework.models import User
from casework.users import STAFF_ROLES
from web.security import RateLimited, RateLimiter

SESSION_COOKIE = "casework_session"
LOGIN_PATH = "/staff/login"
REFRESH_AFTER = 300  # seconds: how stale a cookie may get before it is signed afresh
_NONE = object()


class SignInRequired(Exception):
    """No valid session: the visitor is sent to the sign-in page, then back."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class RoleRefused(Exception):
    """Signed in, but this role may not open the page (403)."""

    status = 403
    code = "forbidden"

    def __init__(self, actor: Actor) -> None:
        super().__init__(f"{actor.role} may not open this page")
        self.actor = actor


class Sessions:
    """Signs, reads and clears the session cookie."""

    def __init__(self, secret: str, *, secure: bool, idle: int) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="casework.session")
        self.secure = secure
        self.idle = idle

    def value(self, user: User) -> str:
        return str(self._signer.dumps([user.id, user.session_version]))

    def read(self, request: Request) -> tuple[int, int, float] | None:
        """(user id, session version, seconds since signed) or None."""
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw or len(raw) > 400:
            return None
        try:
            data, signed = self._signer.loads(raw, max_age=self.idle, return_timestamp=True)
        except BadSignature:  # also SignatureExpired
            return None
        if (not isinstance(data, list) or len(data) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in data)):
            return None
        return data[0], data[1], time.time() - signed.timestamp()

    def set(self, response: Response, value: str) -> None:
        response.set_cookie(SESSION_COOKIE, value, max_age=self.idle, httponly=True,
                            samesite="lax", secure=self.secure, path="/")

    def clear(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                               secure=self.secure)


def current_user(request: Request) -> User | None:
    """The signed-in, active account of this request (looked up once per request)."""
    found = getattr(request.state, "user", _NONE)
    if found is not _NONE:
        return found  # type: ignore[return-value]
    request.state.user = None
    sessions: Sessions = request.app.state.sessions
    session = sessions.read(request)
    if session is None:
        return None
    user_id, version, age = session
    with db.reading(request.app.state.engine) as s:
        user = s.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    if age > REFRESH_AFTER:  # sliding idle expiry: SessionRefresh sets it on the way out
        request.state.session_cookie = sessions.value(user)
    request.state.user = user
    return user


def current_actor(request: Request) -> Actor | None:
    """Who is signed in on this request, as the domain's Actor; None if nobody."""
    user = current_user(request)
    return users.actor(user) if user is not None else None


def require(*roles: str) -> Callable[..., Actor]:
    """A dependency that lets only these roles through:
    `actor: Actor = Depends(require("officer", "supervisor"))`."""
    unknown = set(roles) - set(STAFF_ROLES)
    if not roles or unknown:
        raise ValueError(f"require() needs roles among {STAFF_ROLES}; got {sorted(unknown)}")
    allowed = frozenset(roles)

    def signed_in_as(request: Request) -> Actor:
        actor = current_actor(request)
        if actor is None:  # after signing in, back to the page (a form: to its page)
            query = f"?{request.url.query}" if request.url.query else ""
            raise SignInRequired(request.url.path + query if request.method == "GET" else "")
        if actor.role not in allowed:
            raise RoleRefused(actor)
        return actor

    signed_in_as.__name__ = f"require_{'_'.join(sorted(allowed))}"
    return signed_in_as


def safe_next(value: str | None) -> str | None:
    """A place inside the workspace to return to after signing in, or None: never
    another site (`//evil`, `/\\evil`, `https://…`)."""
    if not value or len(value) > 500 or not value.startswith("/staff"):
        return None
    if value.startswith(LOGIN_PATH) or "\\" in value or any(ord(c) < 33 for c in value):
        return None
    return value


def sign_in_redirect(next_url: str) -> RedirectResponse:
    target = LOGIN_PATH
    if safe_next(next_url) and next_url != "/staff":
        target += "?next=" + quote(next_url, safe="/%")  # the query is encoded already
    return RedirectResponse(target, status_code=303)


class LoginLimits:
    """Failed sign-ins per user name and per client address."""

    def __init__(self, per_user: int, per_client: int, window: float) -> None:
        self.user = RateLimiter(per_user, window)
        self.client = RateLimiter(per_client, window)

    def check(self, username: str, client: str) -> None:
        """Raise web.security.RateLimited while either is locked out."""
        self.user.check(username)
        self.client.check(client)

    def failed(self, username: str, client: str) -> None:
        for limiter, key in ((self.user, username), (self.client, client)):
            with contextlib.suppress(RateLimited):  # at the limit: check() refuses the next
                limiter.hit(key)

    def succeeded(self, username: str) -> None:
        self.user.forget(username)


class SessionRefresh:
    """Sets the re-signed session cookie a request left in `request.state` (sliding
    expiry), on whatever response the route returned — unless the route set or cleared
    the session cookie itself (sign-in, sign-out)."""

    def __init__(self, app: ASGIApp, secure: bool, idle: int) -> None:
        self.app = app
        self.secure = secure
        self.idle = idle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def refreshing(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = scope.get("state", {}).get("session_cookie")
                headers = list(message.get("headers", []))
                ours = SESSION_COOKIE.encode() + b"="
                if value and not any(k == b"set-cookie" and v.startswith(ours)
                                     for k, v in headers):
                    cookie = Response()
                    cookie.set_cookie(SESSION_COOKIE, value, max_age=self.idle, httponly=True,
                                      samesite="lax", secure=self.secure, path="/")
                    headers += [(k, v) for k, v in cookie.raw_headers if k == b"set-cookie"]
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, refreshing)


def install(app: FastAPI, secret: str, *, secure: bool, idle: int, per_user: int,
            per_client: int, window: float) -> None:
    """Sessions, sign-in limits and the sign-in redirect on an app."""
    app.state.sessions = Sessions(secret, secure=secure, idle=idle)
    app.state.login_limits = LoginLimits(per_user, per_client, window)
    app.add_middleware(SessionRefresh, secure=secure, idle=idle)

    @app.exception_handler(SignInRequired)
    def to_sign_in(request: Request, exc: SignInRequired) -> Response:
        return sign_in_redirect(exc.next_url)

