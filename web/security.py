"""Protection for the site's forms, reusable by every form (the staff workspace too):

* CSRF: a random per-client id in a cookie and, in every form, a token that is that
  id signed with the site's key (itsdangerous). A POST without both, or with a token
  of another client or an expired one, is refused (403). Classic double submit, with
  a signature so that a cookie planted by a sibling site is not enough.
* Rate limits: an in-memory sliding window per key (e.g. per client address); over the
  limit is 429 with Retry-After. Per process: with several workers each counts alone.
* Honeypot: a field hidden from people; a bot that fills it is refused (400).
* Body limit: an ASGI middleware that refuses request bodies above a size (413), by
  Content-Length and by counting while the body streams in.
* Headers every response gets: no sniffing, no framing, no referrer to other sites
  (tracking codes are in URLs), a content security policy with nothing inline.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "csrf"
CSRF_FIELD = "csrf_token"
HONEYPOT_FIELD = "website"
CSRF_MAX_AGE = 7 * 24 * 3600  # a form may stay open in a tab for a week


class Refused(Exception):
    """A request the site refuses before doing anything; shown as an error page."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", *, code: str | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message or self.code)
        self.message = message
        if code:
            self.code = code
        self.headers = dict(headers or {})


class CsrfFailed(Refused):
    status = 403
    code = "csrf"


class RateLimited(Refused):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, int(retry_after + 0.999))
        super().__init__(f"too many requests; retry in {seconds} s",
                         headers={"Retry-After": str(seconds)})
        self.retry_after = seconds


class BodyTooLarge(Refused):
    status = 413
    code = "too_large"


class BadForm(Refused):
    status = 400
    code = "bad_form"


# ---------------------------------------------------------------- CSRF

class Csrf:
    """Tokens for forms, tied to a per-client cookie."""

    def __init__(self, secret: str, *, secure: bool, max_age: int = CSRF_MAX_AGE) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="casework.csrf")
        self.secure = secure
        self.max_age = max_age

    @staticmethod
    def _client_id(request: Request) -> str | None:
        value = request.cookies.get(CSRF_COOKIE, "")
        return value if 20 <= len(value) <= 64 and value.isascii() else None

    def token(self, request: Request) -> str:
        """The token for a form on this page; mints the client's id if it has none yet
        (the page then sets the cookie, see `set_cookie`)."""
        made = getattr(request.state, "csrf_token", None)
        if made is not None:  # one token serves every form of the page
            return str(made)
        client = self._client_id(request) or getattr(request.state, "csrf_new_id", None)
        if client is None:
            client = secrets.token_urlsafe(24)
            request.state.csrf_new_id = client
        request.state.csrf_token = token = str(self._signer.dumps(client))
        return token

    def set_cookie(self, request: Request, response: Response) -> None:
        new = getattr(request.state, "csrf_new_id", None)
        if new is not None:
            response.set_cookie(CSRF_COOKIE, new, max_age=self.max_age, httponly=True,
                                samesite="lax", secure=self.secure, path="/")

    def check(self, request: Request, submitted: object) -> None:
        """Raise CsrfFailed unless `submitted` is a valid token for this client."""
        client = self._client_id(request)
        if client is None or not isinstance(submitted, str) or not submitted:
            raise CsrfFailed("the form has no valid security token", code="csrf")
        try:
            signed = self._signer.loads(submitted, max_age=self.max_age)
        except BadSignature:  # also SignatureExpired
            raise CsrfFailed("the form's security token is invalid or expired",
                             code="csrf") from None
        if not isinstance(signed, str) or not hmac.compare_digest(signed, client):
            raise CsrfFailed("the form's security token belongs to another visitor",
                             code="csrf")


# ---------------------------------------------------------------- rate limits

class RateLimiter:
    """At most `limit` hits per `window` seconds per key (sliding window). limit=0: off."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def hit(self, key: str) -> None:
        """Count one hit for `key`; raise RateLimited if it is one too many."""
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise RateLimited(hits[0] + self.window - now)
            hits.append(now)

    def check(self, key: str) -> None:
        """Raise RateLimited if `key` has used up its hits, without counting one
        (e.g. refuse a sign-in while failures are counted separately)."""
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if hits is not None and len(hits) >= self.limit:
                raise RateLimited(hits[0] + self.window - now)

    def forget(self, key: str) -> None:
        """Drop the hits counted for `key` (e.g. failures, after a good sign-in)."""
        with self._lock:
            self._hits.pop(key, None)

    def _sweep(self, now: float) -> None:
        """Forget keys with no recent hits, now and then, so memory stays bounded."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]


def client_key(request: Request) -> str:
    """Who is asking, for rate limits: the client address (uvicorn resolves
    X-Forwarded-For from trusted proxies only)."""
    return request.client.host if request.client else "unknown"


def check_honeypot(form: Mapping[str, Any]) -> None:
    if form.get(HONEYPOT_FIELD):
        raise BadForm("the form could not be accepted", code="honeypot")


# ---------------------------------------------------------------- ASGI middlewares

class BodyLimit:
    """Refuse request bodies above `max_bytes` with BodyTooLarge (→ 413 page). The check
    runs when the application reads the body, so the error reaches its handlers."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        limit = self.max_bytes
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if declared is not None and declared > limit:
                raise BodyTooLarge(f"the request is {declared:,} bytes; at most {limit:,}")
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(f"the request is over {limit:,} bytes")
            return message

        await self.app(scope, limited, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self'; style-src 'self'; script-src 'none'; "
     b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)
