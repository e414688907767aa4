"""B2 and B5: the public site over real HTTP, one uvicorn worker on 127.0.0.1, against a
SQLite database of N demo cases (SPEC §9):

* B2  POST /complaint — the form as a browser sends it (multipart, CSRF cookie and token,
      honeypot empty, no photo): ≥ 300 req/s, p99 ≤ 100 ms
* B5  GET /track/<code> — the case page of a random published case: ≥ 700 req/s,
      p99 ≤ 100 ms

The database is made once with the demo data path (`casework demo`: every case goes
through the service layer, with its history) and kept in var/bench/; each run works on
a copy. The load comes from a small asyncio HTTP/1.1 client in this process, with
keep-alive connections, so that the client costs little next to the server (both share
this machine's CPUs). The complaint rate limit is raised for the server under test: one
client address sends everything.

    python -m bench.http [--cases 100000] [--seconds 10] [--connections 8] [--only b2|b5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import common
from casework import db, demo

TARGETS = {"B2": (300.0, 100.0), "B5": (700.0, 100.0)}  # req/s at least, p99 ms at most
VAR = common.ROOT / "var" / "bench"


# ---------------------------------------------------------------- the database

def demo_database(n: int) -> Path:
    """var/bench/http-<n>.db with n demo cases, made once (a few minutes for 100,000)."""
    path = VAR / f"http-{n}.db"
    if path.exists():
        return path
    VAR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.db")
    for leftover in VAR.glob(partial.name + "*"):
        leftover.unlink()
    cfg = common.load_config()
    url = f"sqlite:///{partial}"
    common.prepare(url, cfg)
    engine = db.make_engine(url)
    start = time.perf_counter()
    done = 0

    def progress(k: int) -> None:
        nonlocal done
        done += k
        if done % 10_000 == 0 or done == n:
            print(f"  … {done:,} demo cases ({time.perf_counter() - start:.0f} s)", flush=True)

    print(f"making {path} with {n:,} demo cases (once; through the service layer)")
    with db.transaction(engine) as s:
        demo.ensure_users(s, cfg)
    demo.populate(lambda: db.transaction(engine), cfg, n, now=dt.datetime.now(dt.UTC),
                  progress=progress, batch=1000)
    engine.dispose()
    con = sqlite3.connect(partial)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()  # the last connection: the -wal file goes away
    partial.rename(path)
    return path


def public_codes(url: str, k: int = 5000) -> list[str]:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        codes = [r[0] for r in conn.exec_driver_sql(
            "SELECT tracking_code FROM cases WHERE track = 'general' AND "
            "(reject_reason IS NULL OR reject_reason != 'spam')").all()]
    engine.dispose()
    return random.Random(1).sample(codes, min(k, len(codes)))


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, var: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CASEWORK_DATABASE_URL": url, "CASEWORK_VAR_DIR": str(var),
           "CASEWORK_CONFIG_DIR": str(common.CONFIG_DIR), "CASEWORK_SCHEDULER": "false",
           "CASEWORK_COMPLAINT_RATE_LIMIT": "100000000",
           "CASEWORK_BASE_URL": f"http://127.0.0.1:{port}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "web.app:create_app", "--host",
         "127.0.0.1", "--port", str(port), "--workers", "1", "--no-access-log",
         "--log-level", "warning"], env=env, cwd=common.ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not answer within 60 s")


# ---------------------------------------------------------------- the client

@dataclass
class Result:
    latencies: list[float]
    seconds: float
    bad: dict[int, int]

    @property
    def rate(self) -> float:
        return common.rate(len(self.latencies), self.seconds)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> tuple[int, bytes, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    body = await reader.readexactly(int(m.group(1))) if m else b""
    return status, head, body


async def load(port: int, requests: list[bytes], ok: int, *, connections: int,
               seconds: float, warmup: float) -> Result:
    """Send the requests round-robin over keep-alive connections for warmup+seconds;
    latencies count only after the warm-up."""
    latencies: list[float] = []
    bad: dict[int, int] = {}
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from, stop = start + warmup, start + warmup + seconds
    counter = iter(range(10**12))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (t0 := loop.time()) < stop:
                status, _, _ = await _exchange(reader, writer,
                                               requests[next(counter) % len(requests)])
                if t0 >= measure_from:
                    latencies.append(loop.time() - t0)
                    if status != ok:
                        bad[status] = bad.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return Result(latencies, stop - measure_from, bad)


def form_requests(port: int, cfg: Any, n: int) -> list[bytes]:
    """Complaint form submissions of one visitor: its CSRF cookie, a fresh token."""
    async def fetch() -> tuple[bytes, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        _, head, body = await _exchange(
            reader, writer, f"GET /complaint HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        writer.close()
        return head, body

    head, body = asyncio.run(fetch())
    cookie = re.search(rb"(?i)set-cookie: *csrf=([^;]+)", head)
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body)
    assert cookie and token, "no CSRF cookie or token on the form"
    out = []
    for i, c in enumerate(common.complaints(cfg, n, seed=7)):
        fields = {"csrf_token": token.group(1).decode(), "first_name": c["first_name"],
                  "surname": c["surname"], "address": c["address"], "phone": c["phone"],
                  "email": c["email"] or "", "category": c["category"] if i % 3 else "",
                  "subject": "", "details": c["details"],
                  "location_text": c["location_text"] or "", "website": "", "consent": "1"}
        boundary = f"----bench{i}"
        parts = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            .encode() for k, v in fields.items())
        parts += (f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
                  f'filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n'
                  f"--{boundary}--\r\n").encode()
        out.append(f"POST /complaint HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                   f"Content-Length: {len(parts)}\r\nCookie: csrf={cookie.group(1).decode()}"
                   f"\r\n\r\n".encode() + parts)
    return out


def report(name: str, what: str, r: Result, connections: int) -> list[str]:
    rate_target, p99_target = TARGETS[name]
    p99 = r.pct(0.99)
    print(f"{name} {what}")
    print(f"  {len(r.latencies):,} requests in {r.seconds:.1f} s over {connections} "
          f"keep-alive connections")
    print(f"  throughput: {r.rate:7.0f} req/s   (target ≥ {rate_target:.0f} → "
          f"{common.verdict(r.rate, rate_target)})")
    print(f"  latency   : p50 {r.pct(0.5):.1f} ms, p90 {r.pct(0.9):.1f} ms, p99 {p99:.1f} ms, "
          f"max {1000 * max(r.latencies):.1f} ms   (p99 target ≤ {p99_target:.0f} ms → "
          f"{'meets target' if p99 <= p99_target else 'ABOVE target'})")
    print(f"  mean {1000 * statistics.fmean(r.latencies):.1f} ms")
    return [f"{name}: {count} responses with status {status}" for status, count in r.bad.items()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000, help="demo cases (default 100000)")
    ap.add_argument("--seconds", type=float, default=10.0, help="measured seconds per test")
    ap.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    ap.add_argument("--connections", type=int, default=8, help="concurrent connections")
    ap.add_argument("--only", choices=("b2", "b5"), help="run one of the two")
    args = ap.parse_args(argv)
    cfg = common.load_config()
    source = demo_database(args.cases)
    problems: list[str] = []
    with common.temp_dir(str(VAR)) as tmp:
        shutil.copy(source, tmp / "casework.db")
        url = f"sqlite:///{tmp / 'casework.db'}"
        codes = public_codes(url)
        port = free_port()
        print(f"server: uvicorn, 1 worker, 127.0.0.1:{port}; SQLite with {args.cases:,} demo "
              f"cases; {os.cpu_count()} CPUs shared by server and client")
        server = start_server(url, tmp, port)
        try:
            if args.only in (None, "b5"):
                gets = [f"GET /track/{c} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
                        for c in codes]
                r = asyncio.run(load(port, gets, 200, connections=args.connections,
                                     seconds=args.seconds, warmup=args.warmup))
                problems += report("B5", "GET /track/<code> (random published cases)", r,
                                   args.connections)
            if args.only in (None, "b2"):
                posts = form_requests(port, cfg, 3000)
                r = asyncio.run(load(port, posts, 303, connections=args.connections,
                                     seconds=args.seconds, warmup=args.warmup))
                problems += report("B2", "POST /complaint (the form, no photo; each files a "
                                   "case with a durable commit)", r, args.connections)
        finally:
            server.terminate()
            server.wait(10)
    for p in problems:
        print(f"  ERROR: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
