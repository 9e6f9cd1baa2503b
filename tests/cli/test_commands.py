"""The `baton` console script, run as a real process."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect

import migrations
from models.db import Database
from tests.waiting import wait_for

BATON = shutil.which("baton", path=str(Path(sys.executable).parent)) or "baton"


def run_baton(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BATON, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=120
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help_lists_the_commands() -> None:
    result = run_baton("--help")
    assert result.returncode == 0
    for command in ("serve", "db", "version"):
        assert command in result.stdout
    assert "--policy" in result.stdout


def test_version_prints_the_package_version() -> None:
    result = run_baton("version")
    assert result.returncode == 0
    assert result.stdout.strip().startswith("baton 0.")


def test_db_upgrade_migrates_an_empty_store(empty_database_url: str, tmp_path: Path) -> None:
    env = {"BATON_DATABASE_URL": empty_database_url}
    first = run_baton("db", "upgrade", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty" in first.stdout
    second = run_baton("db", "upgrade", env=env, cwd=tmp_path)
    assert "already at revision" in second.stdout
    database = Database.from_url(empty_database_url)
    try:
        assert migrations.current_revision(database.engine) == migrations.head_revision()
        assert "work_item" in inspect(database.engine).get_table_names()
    finally:
        database.dispose()


def test_default_store_is_a_sqlite_file_under_dot_baton(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BATON_")}
    result = subprocess.run(
        [BATON, "db", "upgrade"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".baton" / "baton.db").is_file()


def test_serve_answers_readyz_on_a_fresh_sqlite_store(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "BATON_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    process = subprocess.Popen(
        [BATON, "serve", "--port", str(port), "--no-scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def readyz() -> httpx.Response | None:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            except httpx.TransportError:
                return None

        response = wait_for(readyz)
        assert response.status_code == 200
        assert response.json()["revision"] == migrations.head_revision()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0


@pytest.mark.parametrize("command", [["db", "--help"], ["serve", "--help"]])
def test_every_group_has_help(command: list[str]) -> None:
    result = run_baton(*command)
    assert result.returncode == 0
    assert "Usage" in result.stdout


def test_apikey_create_prints_the_key_as_its_last_line(empty_database_url: str, tmp_path: Path) -> None:
    env = {"BATON_DATABASE_URL": empty_database_url}
    assert run_baton("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    result = run_baton("apikey", "create", "--role", "admin", "--name", "ops", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("baton_")
    from api.auth.keys import resolve_api_key

    database = Database.from_url(empty_database_url)
    try:
        identity = resolve_api_key(database, secret)
    finally:
        database.dispose()
    assert identity is not None
    assert (identity.name, identity.role) == ("ops", "admin")


def test_fastapi_run_main_serves_the_app(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fastapi.db'}"
    env = {**os.environ, "BATON_DATABASE_URL": url}
    assert run_baton("db", "upgrade", env={"BATON_DATABASE_URL": url}, cwd=tmp_path).returncode == 0
    fastapi = shutil.which("fastapi", path=str(Path(sys.executable).parent)) or "fastapi"
    main_py = Path(__file__).resolve().parents[2] / "main.py"
    port = free_port()
    process = subprocess.Popen(
        [fastapi, "run", str(main_py), "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def readyz() -> httpx.Response | None:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            except httpx.TransportError:
                return None

        assert wait_for(readyz).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_webhooks_replay_requeues_dead_letters(empty_database_url: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from models.tables import WEBHOOK_EVENTS
    from sync.store import ensure_connection

    env = {"BATON_DATABASE_URL": empty_database_url}
    assert run_baton("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    database = Database.from_url(empty_database_url)
    try:
        connection_id = ensure_connection(database, name="jira", vendor="jira", base_url="http://127.0.0.1:8101")
        with database.session() as session:
            session.execute(
                WEBHOOK_EVENTS.insert().values(
                    source="jira",
                    connection_id=connection_id,
                    delivery_id="d1",
                    event_type="jira:issue_updated",
                    body=b"{}",
                    status="dead",
                    attempts=5,
                    received_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
            session.commit()
        result = run_baton("webhooks", "replay", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "1 dead-lettered delivery queued again" in result.stderr
        with database.read_session() as session:
            assert session.execute(select(WEBHOOK_EVENTS.c.status, WEBHOOK_EVENTS.c.attempts)).one() == ("pending", 0)
        status = run_baton("webhooks", "status", env=env, cwd=tmp_path)
        assert "pending" in status.stdout
    finally:
        database.dispose()
