"""The mail backend and the outbox, built from settings."""

from __future__ import annotations

import email.utils

import sqlalchemy as sa

from casework.config import Config
from notifications.mailer import Backend, FileBackend, RedirectBackend, SmtpBackend
from notifications.outbox import Outbox
from web.routes import survey
from web.settings import Settings


def backend(settings: Settings) -> Backend:
    chosen: Backend
    if settings.mail_backend == "smtp":
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        chosen = SmtpBackend(settings.smtp_host, settings.smtp_port, settings.mail_from,
                             starttls=settings.smtp_starttls, use_tls=settings.smtp_tls,
                             username=settings.smtp_user, password=password,
                             timeout=settings.smtp_timeout)
    else:
        chosen = FileBackend(settings.resolved_mail_dir(), settings.mail_from)
    if settings.mail_redirect_to:
        chosen = RedirectBackend(chosen, settings.mail_redirect_to)
    return chosen


def outbox(settings: Settings, engine: sa.Engine, cfg: Config) -> Outbox:
    address = email.utils.parseaddr(settings.mail_from)[1]
    domain = address.rpartition("@")[2] or "casework.invalid"
    return Outbox(engine, cfg, backend(settings), base_url=settings.base_url,
                  max_attempts=settings.outbox_max_attempts, domain=domain,
                  survey_token=survey.token_maker(settings.resolved_secret_key()))
