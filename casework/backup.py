"""Backups: an online copy of the SQLite database (sqlite3's backup API, consistent
while the app keeps running, then checked with `PRAGMA integrity_check`), or a
`pg_dump` custom-format archive of a PostgreSQL database. Photos under var/media are
plain files named by content hash: copy that folder alongside (rsync is enough)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa


class BackupError(Exception):
    pass


def default_target(folder: Path, url: str, now: dt.datetime) -> Path:
    suffix = ".db" if url.startswith("sqlite") else ".dump"
    return folder / f"casework-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}{suffix}"


def backup(url: str, target: Path) -> Path:
    """Copy the database at `url` to `target` (a new file); returns it."""
    if target.exists():
        raise BackupError(f"{target} exists already; not overwriting it")
    target.parent.mkdir(parents=True, exist_ok=True)
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _sqlite(parsed.database or "", target)
    elif parsed.get_backend_name() == "postgresql":
        _postgres(parsed, target)
    else:
        raise BackupError(f"no backup method for {parsed.get_backend_name()}")
    return target


def _sqlite(source: str, target: Path) -> None:
    if not source or source == ":memory:" or not Path(source).exists():
        raise BackupError(f"no SQLite database at {source!r}")
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=1024)
        (verdict,) = dst.execute("PRAGMA integrity_check").fetchone()
    finally:
        dst.close()
        src.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {verdict}")
    partial.replace(target)


def _postgres(url: sa.URL, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (apt-get install postgresql-client)")
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    partial = target.with_name(target.name + ".partial")
    done = subprocess.run([pg_dump, "--format=custom", f"--file={partial}", plain],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    partial.replace(target)
