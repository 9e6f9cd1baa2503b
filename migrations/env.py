"""Alembic environment: runs on the engine handed over by ``migrations.alembic_config``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import models

config = context.config
target_metadata = models.metadata


def run_migrations_online() -> None:
    """Migrate on the engine passed in ``config.attributes`` (Baton never migrates offline)."""
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("run migrations with `baton db upgrade` (migrations.upgrade_to_head)")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
