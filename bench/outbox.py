"""Outbox throughput: notices rendered and delivered per second to a local SMTP server
(aiosmtpd on 127.0.0.1 in its own process, discarding what it receives), against the
raw rate of the same SMTP client sending one prebuilt message per connection. SQLite
database; the notices are acknowledgements queued by filing (one per case).

    python -m bench.outbox [--n 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import time

from bench import common
from casework import db, service
from notifications.mailer import Mail, SmtpBackend
from notifications.outbox import Outbox
from tests.smtp import free_port


def sink(port: int) -> subprocess.Popen[bytes]:
    """An aiosmtpd server in another process that accepts and discards every message."""
    proc = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the SMTP sink did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    cfg = common.load_config()
    port = free_port()
    server = sink(port)
    backend = SmtpBackend("127.0.0.1", port, "casework <noreply@example.org>")
    try:
        with common.temp_dir() as tmp, common.sqlite_db(cfg, tmp) as url:
            engine = db.make_engine(url)
            with db.transaction(engine) as s:
                for i, data in enumerate(common.complaints(cfg, args.n)):
                    service.file_case(s, cfg, {**data, "email": f"citizen{i}@example.org",
                                               "copy_to_email": True}, now=common.at(i))
            box = Outbox(engine, cfg, backend, base_url="https://complaints.example.org",
                         domain="example.org")
            started = time.perf_counter()
            result = asyncio.run(box.send_pending())
            outbox_s = time.perf_counter() - started
            engine.dispose()
        assert result.sent == args.n, result
        mail = Mail(to=("citizen@example.org",), subject="ได้รับเรื่องร้องทุกข์ของท่านแล้ว",
                    text="ข้อความทดสอบ " * 40, html="<p>" + "ข้อความทดสอบ " * 40 + "</p>")

        async def raw() -> float:
            t0 = time.perf_counter()
            for _ in range(args.n):
                await backend.send(mail)
            return time.perf_counter() - t0

        raw_s = asyncio.run(raw())
    finally:
        server.terminate()
        server.wait(timeout=10)
    ours, base = args.n / outbox_s, args.n / raw_s
    print(f"outbox: {args.n} notices claimed, rendered, sent and recorded in {outbox_s:.2f} s "
          f"= {ours:,.0f} emails/s")
    print(f"raw SMTP client, one prebuilt message per connection: {base:,.0f} emails/s")
    print(f"ratio outbox/raw: {ours / base:.2f}")


if __name__ == "__main__":
    main()
