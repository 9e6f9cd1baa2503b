"""Fixtures for the planning-view tests: a seeded store and an app that follows the test policy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from models.db import Database
from tests.api.seed import FERNET_KEY, NOW, POLICY, POLICY_ENV, Seeded, seed_store

AppFactory = Callable[..., FastAPI]


@pytest.fixture
def seeded(database: Database) -> Seeded:
    """The realistic store of tests/api/seed.py."""
    return seed_store(database)


@pytest.fixture
def make_app(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppFactory:
    """Build an app on the test store and policy; keyword arguments override settings (rate limit off by default)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    for name, value in POLICY_ENV.items():
        monkeypatch.setenv(name, value)

    def build(
        *, clock: Callable[[], Any] = lambda: NOW, app_options: dict[str, Any] | None = None, **overrides: Any
    ) -> FastAPI:
        options: dict[str, Any] = {
            "database_url": str(database.engine.url),
            "policy": policy,
            "secret_keys": FERNET_KEY,
            "rate_limit_per_second": 0,
            "policy_refresh_seconds": 3600,
            # The views need no background jobs (and syncing unreachable vendors would slow every teardown).
            "scheduler": False,
            "inbox_worker": False,
        }
        options.update(overrides)
        return create_app(Settings(**options), database=database, clock=clock, **(app_options or {}))

    return build


@pytest.fixture
def api(seeded: Seeded, make_app: AppFactory) -> Iterator[TestClient]:
    """A client on the seeded store, sending the admin key."""
    with TestClient(make_app(), headers={"Authorization": f"Bearer {seeded.admin_key}"}) as client:
        yield client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
