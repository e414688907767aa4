"""APScheduler wiring: the SLA scan every minute, the outbox every 30 seconds and the
supervisors' digest each morning. Every job is idempotent (casework.jobs,
notifications.outbox), so each app instance and each `casework worker` may run them."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from casework import db, jobs
from casework.config import Config
from casework.numbering import BANGKOK
from notifications.outbox import Outbox
from web import mail
from web.settings import Settings

log = logging.getLogger("casework.scheduler")


class Jobs:
    """The scheduled work, callable by hand too (tests, `casework worker --once`)."""

    def __init__(self, engine: sa.Engine, cfg: Config, outbox: Outbox):
        self.engine, self.cfg, self.outbox = engine, cfg, outbox

    def scan(self) -> dict[str, int]:
        with db.transaction(self.engine) as s:
            result = jobs.scan(s, dt.datetime.now(dt.UTC)).as_dict()
        if any(result.values()):
            log.info("SLA scan: %s", result)
        return result

    def send(self) -> dict[str, int]:
        result = asyncio.run(self.outbox.send_pending()).as_dict()
        if any(result.values()):
            log.info("outbox: %s", result)
        return result

    def digest(self) -> int:
        with db.transaction(self.engine) as s:
            queued = jobs.digest(s, self.cfg, dt.datetime.now(dt.UTC))
        if queued:
            log.info("digest queued for %d supervisors", queued)
        return queued


def build(settings: Settings, engine: sa.Engine, cfg: Config) -> BackgroundScheduler:
    """A scheduler with the three jobs, not yet started."""
    work = Jobs(engine, cfg, mail.outbox(settings, engine, cfg))
    sched = BackgroundScheduler(timezone=BANGKOK, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    now = dt.datetime.now(dt.UTC)
    sched.add_job(work.scan, IntervalTrigger(minutes=1), id="sla_scan", next_run_time=now)
    sched.add_job(work.send, IntervalTrigger(seconds=30), id="outbox",
                  next_run_time=now + dt.timedelta(seconds=3))  # after the first scan
    hour = cfg.clocks.digest_hour
    sched.add_job(work.digest, CronTrigger(hour=hour, minute=0, timezone=BANGKOK), id="digest",
                  misfire_grace_time=3600)
    if now.astimezone(BANGKOK).hour >= hour:  # started after this morning's digest time
        sched.add_job(work.digest, id="digest_catch_up", next_run_time=now)
    return sched
