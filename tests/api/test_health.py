"""/healthz and /readyz against a real store on each dialect."""

from __future__ import annotations

from fastapi.testclient import TestClient

import migrations
from api.app import create_app
from core.settings import Settings
from models.db import Database


def client_for(database: Database) -> TestClient:
    return TestClient(create_app(Settings(database_url=str(database.engine.url)), database=database))


def test_healthz_answers_while_the_process_runs(database: Database) -> None:
    with client_for(database) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_is_ok_on_a_migrated_store(database: Database) -> None:
    with client_for(database) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "detail": None, "revision": migrations.head_revision()}


def test_readyz_is_503_until_migrations_run(empty_database_url: str) -> None:
    database = Database.from_url(empty_database_url)
    try:
        with client_for(database) as client:
            before = client.get("/readyz")
            migrations.upgrade_to_head(database.engine)
            after = client.get("/readyz")
    finally:
        database.dispose()
    assert before.status_code == 503
    assert "migrations at none" in before.json()["detail"]
    assert after.status_code == 200


def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    # A PostgreSQL URL on a port where nothing listens: the probe must answer, not hang or crash.
    database = Database.from_url("postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    with client_for(database) as client:
        response = client.get("/readyz")
        healthz = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["detail"] == "database unreachable"
    assert healthz.status_code == 200


def test_settings_are_not_read_when_the_app_is_built(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BATON_LOG_LEVEL", "not-a-level")  # would fail validation if read
    app = create_app()
    assert app.title == "Baton"
