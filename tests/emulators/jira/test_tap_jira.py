"""tap-jira 2.6.0 in its own pinned venv, through the plain-http launcher, extracts every issue."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bench.peers import LAUNCHERS, ensure_peer_venv
from emulators.jira import build_app
from emulators.server import running_server
from tests.emulators.jira.conftest import EMAIL, TOKEN, jira_config

TAP_ITEMS = 400
STREAMS = "issues,issue_comments,changelogs,issue_transitions,projects,users,resolutions,worklogs"


def run(python: Path, *args: str, stdout: Path) -> None:
    """Run the launcher with the peer's interpreter, stdout to a file; fail with the tap's stderr."""
    with stdout.open("w") as handle:
        done = subprocess.run(
            [str(python), str(LAUNCHERS / "tap_jira.py"), *args], stdout=handle, stderr=subprocess.PIPE, timeout=300
        )
    assert done.returncode == 0, done.stderr.decode()[-3000:]


@pytest.mark.slow
def test_tap_jira_extracts_every_issue(tmp_path: Path) -> None:
    python = ensure_peer_venv("tap-jira")
    with running_server(build_app(jira_config(items=TAP_ITEMS))) as url:
        config = tmp_path / "config.json"
        config.write_text(
            json.dumps(
                {
                    "start_date": "2000-01-01T00:00:00Z",
                    "username": EMAIL,
                    "password": TOKEN,
                    "base_url": url,
                    "user_agent": "baton-tests",
                }
            )
        )
        catalog = tmp_path / "catalog.json"
        run(python, "--config", str(config), "--discover", stdout=catalog)
        properties = tmp_path / "properties.json"
        run(python, "select", "--catalog", str(catalog), "--streams", STREAMS, stdout=properties)
        output = tmp_path / "out.jsonl"
        run(python, "--config", str(config), "--properties", str(properties), stdout=output)
        health = httpx.get(f"{url}/_emulator/health").json()
    records = [json.loads(line) for line in output.read_text().splitlines() if line.startswith("{")]
    counts = Counter(r["stream"] for r in records if r["type"] == "RECORD")
    issue_ids = [r["record"]["id"] for r in records if r["type"] == "RECORD" and r["stream"] == "issues"]
    assert counts["issues"] == health["items"] == TAP_ITEMS
    assert len(set(issue_ids)) == TAP_ITEMS
    assert counts["projects"] >= 4
    assert counts["changelogs"] > 0
    assert counts["issue_comments"] > 0
    assert counts["issue_transitions"] > 0
    assert counts["users"] > 0
