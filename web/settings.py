"""Settings: the only reader of CASEWORK_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASEWORK_", extra="ignore")

    database_url: str = Field(default="", description="SQLAlchemy URL; default SQLite in var/")
    config_dir: Path = Path("config")
    var_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    base_url: str = "http://127.0.0.1:8000"
    scheduler: bool = True
    # Mail (SPEC §5). "file" writes .eml files into mail_dir (the embedded default);
    # "smtp" delivers through smtp_host. mail_redirect_to sends everything to one address.
    mail_backend: Literal["file", "smtp"] = "file"
    mail_dir: Path | None = None  # default <var_dir>/mail
    mail_from: str = "ศูนย์รับเรื่องร้องทุกข์ <noreply@localhost>"
    mail_redirect_to: str | None = None
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(default=15.0, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1, le=50)
    # Public site (SPEC §6): signing key for forms, uploads, abuse limits.
    secret_key: SecretStr | None = None  # default: <var_dir>/secret.key, made on first start
    media_dir: Path | None = None  # default <var_dir>/media
    max_upload_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    complaint_rate_limit: int = Field(default=10, ge=0)  # complaints per client; 0 = no limit
    complaint_rate_window: int = Field(default=600, ge=1)  # seconds
    dispute_rate_limit: int = Field(default=5, ge=0)  # dispute attempts per case; 0 = no limit
    dispute_rate_window: int = Field(default=3600, ge=1)  # seconds
    # Staff workspace (SPEC §6): sign-in lockout and session lifetime.
    login_failures: int = Field(default=5, ge=0)  # per user name per window; 0 = no lockout
    login_client_failures: int = Field(default=20, ge=0)  # per client address per window
    login_failure_window: int = Field(default=900, ge=1)  # seconds (15 minutes)
    session_idle_seconds: int = Field(default=8 * 3600, ge=60)  # signed out after this idle
    # Open311 GeoReport v2 (web/routes/open311.py): the api_key values partner apps send
    # with POST requests, comma-separated; none configured: every POST is refused (403).
    open311_api_keys: SecretStr = SecretStr("")

    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.var_dir / "media"

    def resolved_secret_key(self) -> str:
        """CASEWORK_SECRET_KEY, else the key kept in <var_dir>/secret.key, created on
        first use (mode 0600) so that restarts keep forms and sessions valid."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        path = self.var_dir / "secret.key"
        if not path.exists():  # write aside, then link: another process never reads half
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".secret.key.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ValueError(f"{path} holds no usable key (delete it to make a new one)")
        return key

    def resolved_mail_dir(self) -> Path:
        return self.mail_dir or self.var_dir / "mail"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'casework.db').resolve()}"
