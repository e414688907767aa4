"""Settings: the only reader of CASEWORK_* environment variables."""

from __future__ import annotations

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

    def resolved_mail_dir(self) -> Path:
        return self.mail_dir or self.var_dir / "mail"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'casework.db').resolve()}"
