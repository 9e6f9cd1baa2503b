"""Alembic migrations of the store, and the functions that apply and inspect them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["alembic_config", "current_revision", "downgrade_to_base", "head_revision", "upgrade_to_head"]

_HERE = Path(__file__).resolve().parent


def _scripts_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    return config


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that runs on ``engine`` (so the engine's pragmas and BEGIN apply)."""
    config = _scripts_config()
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration not yet applied."""
    command.upgrade(alembic_config(engine), "head")


def downgrade_to_base(engine: Engine) -> None:
    """Revert every migration (tests and disaster recovery only)."""
    command.downgrade(alembic_config(engine), "base")


def head_revision() -> str:
    """The newest revision shipped with this version of Baton."""
    head = ScriptDirectory.from_config(_scripts_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
