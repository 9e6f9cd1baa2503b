"""Test databases: a fresh SQLite file or a fresh PostgreSQL database per use."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import make_url

DIALECT = os.environ.get("BATON_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("BATON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

if DIALECT not in {"sqlite", "postgresql"}:
    raise RuntimeError(f"BATON_TEST_DATABASE must be sqlite or postgresql, not {DIALECT!r}")


def _admin_dsn() -> str:
    url = make_url(POSTGRES_URL)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_unreachable_reason() -> str | None:
    """None when the PostgreSQL test server answers, else why not."""
    try:
        with psycopg.connect(_admin_dsn(), connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable ({error}). Start it with: {START_POSTGRES}"
    return None


@contextmanager
def fresh_database_url(dialect: str, workdir: Path) -> Iterator[str]:
    """A URL to a new, empty database of ``dialect``, dropped afterwards."""
    if dialect == "sqlite":
        yield f"sqlite:///{workdir / f'baton-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"baton_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
