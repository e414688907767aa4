"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a free port, in its own
thread. Use the `smtp_server` fixture (import it into the test module) or SmtpServer."""

from __future__ import annotations

import email.policy
import socket
import ssl
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, smtpd: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        code = self.server.rcpt_codes.get(address)
        if code is not None:
            return f"{code} {address} refused by test server"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtpd: Any, session: Any, envelope: Any) -> str:
        code = self.server.reply_code
        if code is not None:
            return f"{code} {self.server.reply_text}"
        raw = envelope.original_content or envelope.content
        msg = cast(EmailMessage, BytesParser(policy=email.policy.default).parsebytes(raw))
        self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.server.messages.append(msg)
        return "250 OK"


class _Authenticator:
    def __init__(self, credentials: tuple[str, str]) -> None:
        self.credentials = credentials

    def __call__(self, smtpd: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword)
              and (auth_data.login.decode(), auth_data.password.decode()) == self.credentials)
        return AuthResult(success=ok, handled=False)


class SmtpServer:
    """`messages` holds every accepted message, parsed; `envelopes` the matching
    (MAIL FROM, RCPT TO list). Set `reply_code` (e.g. 451 or 550) to reject DATA, and
    `rcpt_codes[address]` to refuse one recipient with that code. `tls_context` offers
    STARTTLS (`require_starttls`: insist on it); `credentials` (user, password) makes
    AUTH mandatory, over plain connections too."""

    host = "127.0.0.1"

    def __init__(self, *, tls_context: ssl.SSLContext | None = None,
                 require_starttls: bool = False,
                 credentials: tuple[str, str] | None = None) -> None:
        self.port = 0
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.reply_code: int | None = None
        self.reply_text = "rejected by test server"
        self.rcpt_codes: dict[str, int] = {}
        self._kwargs: dict[str, Any] = {}
        if tls_context is not None:
            self._kwargs |= {"tls_context": tls_context, "require_starttls": require_starttls}
        if credentials is not None:
            self._kwargs |= {"authenticator": _Authenticator(credentials),
                             "auth_required": True, "auth_require_tls": False}
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        last: Exception | None = None
        for _ in range(5):  # another process may take the port between probe and bind
            self.port = free_port(self.host)
            controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                    **self._kwargs)
            try:
                controller.start()
            except Exception as exc:
                last = exc
                continue
            self._controller = controller
            return self
        raise RuntimeError(f"could not start the SMTP test server: {last}")

    def restart(self) -> SmtpServer:
        """Start again on the same port (after `stop`), as a mail server coming back."""
        controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                **self._kwargs)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, n: int, timeout: float = 5) -> list[EmailMessage]:
        """The messages once at least `n` have arrived; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {n} messages, got {len(self.messages)}")
            time.sleep(0.02)
        return list(self.messages)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()
