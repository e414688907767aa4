"""Mail delivery backends: SMTP (aiosmtplib), `.eml` files, an in-memory recorder and a
redirect wrapper for staging. Settings come in as arguments; nothing here reads the
environment. Every failure is a `DeliveryError` whose `permanent` flag tells the outbox
whether to retry later (TemporaryFailure) or give up (PermanentFailure), and whose text
is fit to store as the notice's last error."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import email.utils
import hashlib
import os
import re
import ssl
import tempfile
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

ORIGINAL_TO = "X-Casework-Original-To"
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # printable ASCII without ':' (RFC 5322 ftext)
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._@-]+")


@dataclass(frozen=True)
class Mail:
    """One message to send. `message_id` is the full "<...@...>" form; when it is given
    (e.g. derived from the notice key) a retried send carries the same Message-ID."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


class DeliveryError(Exception):
    """The message was not delivered; `str(error)` says why (SMTP code and server text,
    or the connection error)."""

    permanent: bool = False

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(DeliveryError):
    """Worth retrying later: server unreachable, timeout, 4xx reply."""

    permanent = False


class PermanentFailure(DeliveryError):
    """Retrying will not help: 5xx reply, refused recipients, a malformed message."""

    permanent = True


class Backend(Protocol):
    async def send(self, mail: Mail) -> None:
        """Deliver `mail` or raise TemporaryFailure / PermanentFailure."""
        ...


def _check_line(what: str, value: str) -> None:
    if "\r" in value or "\n" in value:
        raise PermanentFailure(f"refused: line break in {what} {value!r}")


def _check_address(what: str, value: str, error: type[Exception] = PermanentFailure) -> str:
    """The bare address of `value` ("Name <a@b>" or "a@b", exactly one); `error` if
    unusable."""
    found = email.utils.getaddresses([value])
    addr = found[0][1] if len(found) == 1 else ""
    if "\r" in value or "\n" in value or not re.fullmatch(r"[^@\s]+@[^@\s]+", addr):
        raise error(f"refused: not one email address in {what}: {value!r}")
    return addr


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """The MIME message for `mail` from `sender` (which may be "ชื่อ <addr>"): headers
    RFC 2047-encoded by the default policy, text/plain in UTF-8 and, when `mail.html` is
    given, a text/html alternative. Line breaks in headers raise PermanentFailure."""
    sender_addr = _check_address("sender", sender)
    if not mail.to:
        raise PermanentFailure("refused: no recipients")
    for rcpt in mail.to:
        _check_address("recipient", rcpt)
    _check_line("subject", mail.subject)
    if mail.message_id is not None and not _MESSAGE_ID.fullmatch(mail.message_id):
        raise PermanentFailure(f"refused: malformed Message-ID {mail.message_id!r}")
    for name, value in mail.headers:
        if not _HEADER_NAME.fullmatch(name):
            raise PermanentFailure(f"refused: malformed header name {name!r}")
        _check_line(f"header {name}", value)
    msg = EmailMessage()
    try:
        msg["From"] = sender
        msg["To"] = ", ".join(mail.to)
        msg["Subject"] = mail.subject
        msg["Date"] = email.utils.format_datetime(dt.datetime.now(dt.UTC))
        domain = sender_addr.rpartition("@")[2]
        msg["Message-ID"] = mail.message_id or email.utils.make_msgid(domain=domain)
        for name, value in mail.headers:
            msg[name] = value
        msg.set_content(mail.text, charset="utf-8")
        if mail.html is not None:
            msg.add_alternative(mail.html, subtype="html", charset="utf-8")
    except ValueError as exc:  # the email package's own header checks
        raise PermanentFailure(f"refused: {exc}") from exc
    return msg


def _classify(exc: Exception, where: str) -> DeliveryError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        cls = PermanentFailure if codes and all(c >= 500 for c in codes) else TemporaryFailure
        return cls(f"all recipients refused: {detail}", code=max(codes, default=None))
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        cls = PermanentFailure if 500 <= exc.code < 600 else TemporaryFailure
        return cls(f"SMTP {exc.code} {exc.message} ({where})", code=exc.code)
    return TemporaryFailure(f"{type(exc).__name__}: {exc} ({where})")


class SmtpBackend:
    """Delivers over SMTP with aiosmtplib, one connection per message. `starttls`
    upgrades a plain connection (port 587); `use_tls` is implicit TLS (port 465).
    `tls_context` replaces the default verification (e.g. a private CA)."""

    def __init__(self, host: str, port: int, sender: str, *, starttls: bool = False,
                 use_tls: bool = False, username: str | None = None,
                 password: str | None = None, timeout: float = 10.0,
                 tls_context: ssl.SSLContext | None = None) -> None:
        if starttls and use_tls:
            raise ValueError("starttls and use_tls are mutually exclusive")
        self.envelope_from = _check_address("sender", sender, ValueError)
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.use_tls, self.timeout = starttls, use_tls, timeout
        self.username, self.password, self.tls_context = username, password, tls_context

    async def send(self, mail: Mail) -> None:
        msg = build_message(mail, self.sender)
        where = f"{self.host}:{self.port}"
        try:
            await aiosmtplib.send(
                msg, sender=self.envelope_from,
                recipients=[email.utils.parseaddr(r)[1] for r in mail.to],
                hostname=self.host, port=self.port, use_tls=self.use_tls,
                start_tls=self.starttls, username=self.username, password=self.password,
                timeout=self.timeout, tls_context=self.tls_context)
        except (aiosmtplib.SMTPException, OSError) as exc:  # timeouts are OSErrors too
            raise _classify(exc, where) from exc
        except ValueError as exc:  # e.g. an address the server cannot take (no SMTPUTF8)
            raise PermanentFailure(f"{exc} ({where})") from exc
        # Mail accepted for some recipients only returns normally: retrying would send
        # the others a second copy.


class FileBackend:
    """Writes each message to `<directory>/<UTC timestamp>-<message id>.eml`, atomically
    (temporary file in the same directory, then os.replace). Sending a Message-ID that
    already has a file overwrites that file, so a retried notice leaves one file."""

    def __init__(self, directory: Path, sender: str) -> None:
        _check_address("sender", sender, ValueError)
        self.directory, self.sender = Path(directory), sender

    async def send(self, mail: Mail) -> None:
        msg = build_message(mail, self.sender)
        try:
            await asyncio.to_thread(self.write, msg)
        except OSError as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    def write(self, msg: EmailMessage) -> Path:
        """Write `msg` and return the path of its file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        message_id = str(msg["Message-ID"] or "").strip("<> ")
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:12]
        key = f"{_UNSAFE_FILE_CHARS.sub('_', message_id)[:80]}-{digest}"
        existing = sorted(self.directory.glob(f"*-{key}.eml"))
        if existing:
            target = existing[0]
        else:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
            target = self.directory / f"{stamp}-{key}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(msg.as_bytes())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


class RecordingBackend:
    """Keeps every built message in `sent`; raises `fail_with` instead when it is set."""

    def __init__(self, sender: str = "casework@localhost", *,
                 fail_with: DeliveryError | None = None) -> None:
        self.sender, self.fail_with = sender, fail_with
        self.sent: list[EmailMessage] = []

    async def send(self, mail: Mail) -> None:
        msg = build_message(mail, self.sender)
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(msg)


class RedirectBackend:
    """Staging: sends everything to the single address `to` through `inner`, keeping the
    original recipients in the X-Casework-Original-To header."""

    def __init__(self, inner: Backend, to: str) -> None:
        _check_address("redirect address", to, ValueError)
        self.inner, self.to = inner, to

    async def send(self, mail: Mail) -> None:
        headers = (*mail.headers, (ORIGINAL_TO, ", ".join(mail.to)))
        await self.inner.send(replace(mail, to=(self.to,), headers=headers))


def send_sync(backend: Backend, mail: Mail) -> None:
    """`backend.send(mail)` for synchronous callers (CLI, worker threads). Called from a
    thread whose event loop is running, it runs the send on a helper thread and waits."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(backend.send(mail))
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, backend.send(mail)).result()
