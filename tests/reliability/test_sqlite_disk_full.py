"""Disk full on SQLite: a real `baton sync` process whose files may not grow past a limit (RLIMIT_FSIZE).

Every write beyond the limit fails with EFBIG, which SQLite reports as a "disk I/O error" (a full file system
gives "database or disk is full"). The sync fails with that error, the file passes `PRAGMA integrity_check`,
what was stored before is intact, and once there is room a rerun stores exactly what a sync that never ran out
of room stores."""

from __future__ import annotations

import hashlib
import resource
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

import migrations
from emulators.config import EmulatorConfig
from emulators.jira import PLUGIN
from emulators.server import running_server
from models.db import Database
from models.tables import CONNECTIONS, ITEMS
from tests.digest import ITEM_COLUMNS
from tests.reliability.processes import BATON, baton_env

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

EMAIL, TOKEN = "baton@example.com", "emulator-token"


@pytest.fixture(scope="module")
def jira_sites() -> Iterator[dict[str, str]]:
    """Two Jira emulators: a small site synced first, a bigger one that does not fit in the room left."""
    credentials = {"email": EMAIL, "api_token": TOKEN}
    small = PLUGIN.build_app(EmulatorConfig(vendor="jira", seed=3, items=300, credentials=credentials))
    big = PLUGIN.build_app(EmulatorConfig(vendor="jira", seed=4, items=500, credentials=credentials))
    with running_server(small) as small_url, running_server(big) as big_url:
        yield {"small": small_url, "big": big_url}


def write_policy(path: Path, sites: dict[str, str]) -> Path:
    connections = "".join(
        f"""
  - name: {name}
    vendor: jira
    base_url: "{url}"
    credentials: {{email: {{env: JIRA_EMAIL}}, api_token: {{env: JIRA_API_TOKEN}}}}"""
        for name, url in sites.items()
    )
    path.write_text(f"version: 1\nconnections:{connections}\n")
    return path


def baton_sync(
    store: Path, policy: Path, connection: str, *, max_file_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if max_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    env = baton_env(f"sqlite:///{store}", policy, JIRA_EMAIL=EMAIL, JIRA_API_TOKEN=TOKEN, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [BATON, "sync", "--connection", connection],
        env=env,
        cwd=store.parent,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=600,
    )


def connection_digest(database: Database, name: str) -> tuple[int, str]:
    """How many items connection ``name`` holds, and a digest of their vendor data."""
    with database.read_session() as session:
        rows = session.execute(
            select(*ITEM_COLUMNS)
            .join(CONNECTIONS, CONNECTIONS.c.id == ITEMS.c.connection_id)
            .where(CONNECTIONS.c.name == name)
            .order_by(ITEMS.c.external_id)
        ).all()
    return len(rows), hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()


def integrity(database: Database) -> str:
    with database.engine.connect() as connection:
        return str(connection.execute(text("PRAGMA integrity_check")).scalar_one())


def migrated(path: Path) -> Database:
    database = Database.from_url(f"sqlite:///{path}")
    migrations.upgrade_to_head(database.engine)
    return database


def test_a_full_disk_fails_the_sync_clearly_corrupts_nothing_and_a_rerun_converges(
    jira_sites: dict[str, str], tmp_path: Path
) -> None:
    policy = write_policy(tmp_path / "policy.yaml", jira_sites)
    # The fault-free reference: both connections synced with room to spare.
    reference_path = tmp_path / "reference.db"
    reference = migrated(reference_path)
    assert baton_sync(reference_path, policy, "big").returncode == 0
    store_path = tmp_path / "baton.db"
    store = migrated(store_path)
    try:
        assert baton_sync(store_path, policy, "small").returncode == 0
        before = connection_digest(store, "small")
        assert before[0] > 0
        store.engine.dispose()
        room = max(p.stat().st_size for p in tmp_path.glob("baton.db*")) + 64 * 1024

        full = baton_sync(store_path, policy, "big", max_file_bytes=room)

        assert full.returncode != 0
        output = full.stdout + full.stderr
        assert "disk I/O error" in output or "database or disk is full" in output, output
        assert integrity(store) == "ok"
        assert connection_digest(store, "small") == before
        partial, _ = connection_digest(store, "big")
        assert partial < connection_digest(reference, "big")[0]  # it really ran out of room

        assert baton_sync(store_path, policy, "big").returncode == 0
        assert integrity(store) == "ok"
        assert connection_digest(store, "big") == connection_digest(reference, "big")
        assert connection_digest(store, "small") == before
    finally:
        store.dispose()
        reference.dispose()
