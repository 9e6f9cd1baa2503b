"""tap-asana 2.5.1, in its own pinned environment, extracts the emulator through the launcher shim."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.peers import LAUNCHERS, ensure_peer_venv
from emulators.asana import build_app
from emulators.org.model import Vendor
from emulators.runtime import EmulatorRuntime
from emulators.server import running_server
from tests.emulators.asana.conftest import ITEMS, NOW, asana_config

pytestmark = pytest.mark.slow
STREAMS = ("workspaces", "projects", "tasks", "subtasks", "stories", "sections", "users", "tags", "teams", "portfolios")


@pytest.fixture(scope="module")
def tap_python() -> Path:
    """The peer's interpreter (built from the pinned lockfile on first use)."""
    return ensure_peer_venv("tap-asana")


@pytest.fixture(scope="module")
def asana_base() -> Iterator[str]:
    with running_server(build_app(asana_config())) as url:
        yield url


def run_tap(python: Path, base_url: str, tmp: Path, start_date: str, streams: tuple[str, ...]) -> list[dict[str, Any]]:
    """Discover, select `streams`, sync; return the Singer messages."""
    config = tmp / "config.json"
    config.write_text(
        json.dumps(
            {
                "start_date": start_date,
                "client_id": "baton",
                "client_secret": "secret",
                "redirect_uri": "http://127.0.0.1/callback",
                "refresh_token": "emulator-refresh-token",
                "request_timeout": 60,
                "base_url": base_url,
            }
        )
    )
    launcher = str(LAUNCHERS / "tap_asana.py")
    discovered = subprocess.run(
        [str(python), launcher, "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    catalog = json.loads(discovered.stdout)
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] in streams
    selected = tmp / "catalog.json"
    selected.write_text(json.dumps(catalog))
    synced = subprocess.run(
        [str(python), launcher, "--config", str(config), "--catalog", str(selected)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert synced.returncode == 0, synced.stderr[-3000:]
    return [json.loads(line) for line in synced.stdout.splitlines() if line.startswith("{")]


def records(messages: list[dict[str, Any]]) -> Counter[str]:
    return Counter(m["stream"] for m in messages if m["type"] == "RECORD")


def test_tap_asana_extracts_every_task(tap_python: Path, asana_base: str, tmp_path: Path) -> None:
    counts = records(run_tap(tap_python, asana_base, tmp_path, "2000-01-01T00:00:00Z", STREAMS))
    assert counts["tasks"] == ITEMS
    assert counts["workspaces"] == 1
    assert counts["projects"] == counts["teams"] == 4
    assert counts["sections"] > counts["projects"]
    assert counts["stories"] > ITEMS  # every task has at least one story, most have several
    assert counts["subtasks"] > 0
    assert counts["users"] > 0
    assert counts["portfolios"] == 0


def test_tap_asana_start_date_becomes_modified_since(tap_python: Path, asana_base: str, tmp_path: Path) -> None:
    since = NOW - timedelta(days=3)
    runtime = EmulatorRuntime(asana_config(), Vendor.ASANA)
    expected = sum(
        1
        for team in runtime.store.teams
        for item in runtime.store.iter_team(team)
        if item.updated_at >= since.timestamp()
    )
    assert 0 < expected < ITEMS
    start = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    counts = records(run_tap(tap_python, asana_base, tmp_path, start, ("tasks",)))
    assert counts["tasks"] == expected
