"""notifications.mailer against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import email.policy
import shutil
import ssl
import subprocess
import threading
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import cast

import pytest

from notifications.mailer import (
    ORIGINAL_TO,
    FileBackend,
    Mail,
    PermanentFailure,
    RecordingBackend,
    RedirectBackend,
    SmtpBackend,
    TemporaryFailure,
    build_message,
    send_sync,
)
from tests import smtp as smtp_fixtures
from tests.smtp import SmtpServer

smtp_server = smtp_fixtures.smtp_server  # the fixture, without an import that args shadow

SENDER = "สำนักงานเขตบางรัก <noreply@example.org>"
SUBJECT = "เรื่องร้องเรียน กท-2568-000123: ได้รับเรื่องแล้ว"
TEXT = "เรียน คุณสมชาย\n\nสำนักงานเขตได้รับเรื่องร้องเรียนของท่านแล้ว ติดตามได้ที่ลิงก์ด้านล่าง\n"
HTML = "<p>เรียน คุณสมชาย</p><p>ได้รับเรื่อง <b>กท-2568-000123</b> แล้ว</p>"


def smtp(server: SmtpServer, **kwargs: object) -> SmtpBackend:
    return SmtpBackend(server.host, server.port, SENDER, timeout=5, **kwargs)  # type: ignore[arg-type]


def mail(**kwargs: object) -> Mail:
    fields: dict[str, object] = {"to": ("นายสมชาย ใจดี <somchai@example.com>",),
                                 "subject": SUBJECT, "text": TEXT}
    return Mail(**{**fields, **kwargs})  # type: ignore[arg-type]


def rfc2047_decoded(msg: EmailMessage, name: str) -> str:
    """The header as RFC 2047 decodes it. Not msg[name].addresses: the default policy's
    address parser (before CPython gh-128110) puts a space between adjacent encoded
    words of a display name, which Python folds a long Thai name into."""
    raw = dict(msg.raw_items())[name]
    return str(make_header(decode_header(raw)))


def test_thai_subject_body_and_names_round_trip(smtp_server: SmtpServer) -> None:
    asyncio.run(smtp(smtp_server).send(mail()))

    [msg] = smtp_server.wait_for(1)
    assert msg["Subject"] == SUBJECT
    assert rfc2047_decoded(msg, "From") == SENDER
    assert rfc2047_decoded(msg, "To") == "นายสมชาย ใจดี <somchai@example.com>"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content() == TEXT
    assert smtp_server.envelopes == [("noreply@example.org", ["somchai@example.com"])]


def test_headers_travel_as_ascii_rfc2047() -> None:
    raw = build_message(mail(), SENDER).as_bytes()
    head = raw.split(b"\n\n", 1)[0]
    head.decode("ascii")  # no raw UTF-8 in the header block
    assert b"Subject: =?utf-8?" in head


def test_html_alternative_is_sent(smtp_server: SmtpServer) -> None:
    asyncio.run(smtp(smtp_server).send(mail(html=HTML)))

    [msg] = smtp_server.wait_for(1)
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html is not None
    assert cast(EmailMessage, plain).get_content() == TEXT
    assert cast(EmailMessage, html).get_content().strip() == HTML


def test_message_id_is_kept_or_made_on_the_sender_domain(smtp_server: SmtpServer) -> None:
    backend = smtp(smtp_server)
    asyncio.run(backend.send(mail(message_id="<notice-42.ack@casework.example.org>")))
    asyncio.run(backend.send(mail()))

    first, second = smtp_server.wait_for(2)
    assert first["Message-ID"] == "<notice-42.ack@casework.example.org>"
    assert second["Message-ID"].startswith("<") and second["Message-ID"].endswith(
        "@example.org>")
    assert second["Date"] is not None


@pytest.mark.parametrize(("code", "error"), [(451, TemporaryFailure), (550, PermanentFailure)])
def test_data_rejection_is_classified_by_reply_code(
        smtp_server: SmtpServer, code: int, error: type[Exception]) -> None:
    smtp_server.reply_code = code

    with pytest.raises(error) as caught:
        asyncio.run(smtp(smtp_server).send(mail()))

    assert caught.value.permanent is (code >= 500)  # type: ignore[attr-defined]
    assert f"{code} rejected by test server" in str(caught.value)
    assert smtp_server.messages == []


def test_server_down_is_temporary(smtp_server: SmtpServer) -> None:
    smtp_server.stop()

    with pytest.raises(TemporaryFailure) as caught:
        asyncio.run(smtp(smtp_server).send(mail()))

    assert not caught.value.permanent
    assert str(smtp_server.port) in str(caught.value)


def test_all_recipients_refused_permanently(smtp_server: SmtpServer) -> None:
    smtp_server.rcpt_codes = {"a@example.com": 550, "b@example.com": 553}

    with pytest.raises(PermanentFailure) as caught:
        asyncio.run(smtp(smtp_server).send(mail(to=("a@example.com", "b@example.com"))))

    assert "a@example.com: 550" in str(caught.value)


def test_recipients_refused_with_a_4xx_are_retried(smtp_server: SmtpServer) -> None:
    smtp_server.rcpt_codes = {"a@example.com": 550, "b@example.com": 450}

    with pytest.raises(TemporaryFailure):
        asyncio.run(smtp(smtp_server).send(mail(to=("a@example.com", "b@example.com"))))


def test_partly_refused_mail_reaches_the_others(smtp_server: SmtpServer) -> None:
    smtp_server.rcpt_codes = {"a@example.com": 550}

    asyncio.run(smtp(smtp_server).send(mail(to=("a@example.com", "b@example.com"))))

    smtp_server.wait_for(1)
    assert smtp_server.envelopes == [("noreply@example.org", ["b@example.com"])]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_wrong_password_is_permanent() -> None:
    server = SmtpServer(credentials=("casework", "right")).start()
    try:
        with pytest.raises(PermanentFailure) as caught:
            asyncio.run(smtp(server, username="casework", password="wrong").send(mail()))
        assert "535" in str(caught.value)
        asyncio.run(smtp(server, username="casework", password="right").send(mail()))
        server.wait_for(1)
    finally:
        server.stop()


@pytest.mark.parametrize("bad", [
    {"subject": "สวัสดี\r\nBcc: victim@example.net"},
    {"subject": "hello\nX-Evil: 1"},
    {"to": ("somchai@example.com\r\nBcc: victim@example.net",)},
    {"to": ("not-an-address",)},
    {"to": ("somchai@example.com, victim@example.net",)},
    {"to": ()},
    {"headers": (("X-Case", "1\r\nBcc: victim@example.net"),)},
    {"headers": (("X-Bad: name", "1"),)},
    {"message_id": "<a@b>\r\nBcc: victim@example.net"},
])
def test_header_injection_is_refused_before_connecting(
        smtp_server: SmtpServer, bad: dict[str, object]) -> None:
    with pytest.raises(PermanentFailure):
        asyncio.run(smtp(smtp_server).send(mail(**bad)))
    assert smtp_server.messages == []


def test_sender_with_a_line_break_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        SmtpBackend("127.0.0.1", 25, "a@example.org\r\nBcc: victim@example.net")
    with pytest.raises(ValueError):
        SmtpBackend("127.0.0.1", 25, SENDER, starttls=True, use_tls=True)


def read_eml(path: Path) -> EmailMessage:
    return cast(EmailMessage, BytesParser(policy=email.policy.default).parsebytes(
        path.read_bytes()))


def test_file_backend_writes_parseable_eml_once_per_message_id(tmp_path: Path) -> None:
    outbox = tmp_path / "var" / "mail"
    backend = FileBackend(outbox, SENDER)
    asyncio.run(backend.send(mail(html=HTML, message_id="<notice-7/ack@casework.example>")))
    asyncio.run(backend.send(mail(subject="ส่งซ้ำ", message_id="<notice-7/ack@casework.example>")))
    asyncio.run(backend.send(mail(message_id="<notice-8@casework.example>")))

    files = sorted(outbox.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no temporary files left
    assert all("/" not in f.name.removesuffix(".eml") for f in files)
    first, second = (read_eml(f) for f in files)
    assert first["Message-ID"] == "<notice-7/ack@casework.example>"
    assert first["Subject"] == "ส่งซ้ำ"  # the retry replaced the first write
    assert cast(EmailMessage, first.get_body(("plain",))).get_content() == TEXT
    assert second["Message-ID"] == "<notice-8@casework.example>"


def test_file_backend_without_message_id_writes_one_file_each(tmp_path: Path) -> None:
    backend = FileBackend(tmp_path, SENDER)
    asyncio.run(backend.send(mail()))
    asyncio.run(backend.send(mail()))
    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_redirect_backend_sends_everything_to_one_address(smtp_server: SmtpServer) -> None:
    backend = RedirectBackend(smtp(smtp_server), "staging@example.org")
    to = ("นายสมชาย ใจดี <somchai@example.com>", "dept@example.com")

    asyncio.run(backend.send(mail(to=to)))

    [msg] = smtp_server.wait_for(1)
    assert smtp_server.envelopes == [("noreply@example.org", ["staging@example.org"])]
    assert str(msg["To"]) == "staging@example.org"
    assert msg[ORIGINAL_TO] == "นายสมชาย ใจดี <somchai@example.com>, dept@example.com"


def test_recording_backend_records_or_fails() -> None:
    backend = RecordingBackend(SENDER)
    asyncio.run(backend.send(mail()))
    assert [m["Subject"] for m in backend.sent] == [SUBJECT]

    backend.fail_with = TemporaryFailure("SMTP 421 try later")
    with pytest.raises(TemporaryFailure, match="421"):
        asyncio.run(backend.send(mail()))
    assert len(backend.sent) == 1


def test_send_sync_from_a_thread_and_from_inside_a_loop(smtp_server: SmtpServer) -> None:
    backend = smtp(smtp_server)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            send_sync(backend, mail(subject="จากเธรด"))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10)

    async def inside_a_loop() -> None:
        send_sync(backend, mail(subject="จากลูป"))

    asyncio.run(inside_a_loop())

    assert errors == []
    assert sorted(m["Subject"] for m in smtp_server.wait_for(2)) == ["จากลูป", "จากเธรด"]


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key: made with `cryptography` when installed,
    else with the openssl command; the test is skipped when neither is there."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        import datetime as dt

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.skip("neither cryptography nor openssl to make a test certificate")
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        return cert, key
    import ipaddress

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(private.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert, key


def test_starttls_delivers_over_an_encrypted_connection(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    server = SmtpServer(tls_context=server_ctx, require_starttls=True).start()
    try:
        with pytest.raises(PermanentFailure, match="530"):  # plain text is refused
            asyncio.run(smtp(server).send(mail()))
        asyncio.run(smtp(server, starttls=True, tls_context=client_ctx).send(mail()))
        [msg] = server.wait_for(1)
        assert msg["Subject"] == SUBJECT
    finally:
        server.stop()
