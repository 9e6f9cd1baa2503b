"""Shared fixtures. Tests that use a store fixture are marked ``store`` and run once per dialect."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

import migrations
import models
from models.db import Database
from tests.dbutil import DIALECT, fresh_database_url, postgres_unreachable_reason

STORE_FIXTURES = {"database", "database_url", "migrated_database", "empty_database_url"}


def pytest_report_header(config: pytest.Config) -> str:
    return f"baton database: {DIALECT}"


def pytest_sessionstart(session: pytest.Session) -> None:
    if DIALECT == "postgresql":
        reason = postgres_unreachable_reason()
        if reason is not None:
            # Never a silent skip: a PostgreSQL run without PostgreSQL fails.
            pytest.exit(reason, returncode=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if STORE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.store)


@pytest.fixture(scope="session")
def dialect() -> str:
    """The dialect this run tests: ``sqlite`` or ``postgresql``."""
    return DIALECT


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database for the whole run, migrated by ``migrated_database``."""
    with fresh_database_url(DIALECT, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A brand-new empty database for this test alone."""
    with fresh_database_url(DIALECT, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> Iterator[Database]:
    """The run's database, upgraded to head through the real migrations."""
    database = Database.from_url(database_url)
    migrations.upgrade_to_head(database.engine)
    yield database
    database.dispose()


def _empty_all_tables(database: Database) -> None:
    tables = list(reversed(models.metadata.sorted_tables))
    with database.engine.begin() as connection:
        for table in tables:
            connection.execute(table.delete())


@pytest.fixture
def database(migrated_database: Database) -> Iterator[Database]:
    """The migrated store, emptied after each test."""
    yield migrated_database
    _empty_all_tables(migrated_database)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium driven by Playwright (no browser download; `.ci/run` installs ``chromium``).

    One per test module: Playwright's sync API keeps an event loop running in this thread while it is open, so
    two cannot be open at once, and tests after it that call ``asyncio.run`` need it closed again.
    """
    executable = shutil.which("chromium")
    assert executable is not None, "chromium is not installed: apt-get install -y chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()
