"""Process settings from the environment (prefix ``BATON_``) and ``.env``.

Settings are built on first use by :func:`get_settings` and passed down explicitly; nothing reads
them at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "get_settings", "normalise_database_url"]

DEFAULT_DATABASE_URL = "sqlite:///.baton/baton.db"


def normalise_database_url(url: str) -> str:
    """Return the SQLAlchemy URL Baton uses: PostgreSQL always through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    """Everything Baton reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="BATON_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the store: a SQLite file (default) or postgresql://…",
    )
    policy: Path | None = Field(default=None, description="Path of the policy file (YAML).")
    public_url: str | None = Field(default=None, description="Base URL where vendors reach Baton's webhook receivers.")
    environment: Literal["development", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    scheduler: bool = Field(default=True, description="Run the scheduler inside `baton serve`.")
    secret_keys: str | None = Field(
        default=None,
        description="Fernet keys (comma-separated, newest first) that encrypt stored tokens and webhook secrets.",
    )
    inbox_worker: bool = Field(default=True, description="Process the webhook inbox inside `baton serve`.")
    policy_refresh_seconds: float = Field(default=5.0, gt=0, description="How often the policy file is re-checked.")
    webhook_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=5_000)
    db_pool_size: int = Field(default=10, ge=1)

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.database_url.split(":", 1)[0].split("+", 1)[0]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Build the settings once, on first use."""
    return Settings()
