"""Process settings from the environment (prefix ``BATON_``) and ``.env``.

Settings are built on first use by :func:`get_settings` and passed down explicitly; nothing reads
them at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (comma-separated, exact match); empty: none.",
    )
    cors_allow_credentials: bool = Field(
        default=False, description="Let browsers send credentials cross-origin; never together with `*`."
    )
    rate_limit_per_second: float = Field(
        default=50.0, ge=0, description="Sustained requests per second allowed per API key (0 turns limiting off)."
    )
    rate_limit_burst: int = Field(default=100, ge=1, description="Requests one API key may send at once.")
    metrics_public: bool = Field(default=True, description="Serve /metrics without an API key.")

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> Self:
        if self.cors_allow_credentials and "*" in self.cors_origins:
            raise ValueError(
                "BATON_CORS_ORIGINS='*' with BATON_CORS_ALLOW_CREDENTIALS=true would let any site act as a "
                "signed-in user: list the allowed origins explicitly"
            )
        return self

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.database_url.split(":", 1)[0].split("+", 1)[0]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Build the settings once, on first use."""
    return Settings()
