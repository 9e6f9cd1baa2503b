"""Scale-out with real processes: two `baton serve` replicas and one `baton worker` on one store.

Each scheduled fire runs once, each webhook takes effect once, and syncs of one connection never overlap
(a `baton sync` started while the scheduled sync runs is refused, with the reason recorded). Built for
PostgreSQL (the scale-out store); SQLite in WAL mode serves several processes on one node the same way, so
the test runs on both dialects.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send

import migrations
from connectors.signatures import hmac_hex
from emulators.config import EmulatorConfig
from emulators.jira import PLUGIN
from emulators.server import running_server
from models.db import Database
from models.enums import SyncKind, SyncStatus
from models.tables import JOB_LEASES, RUNS, WEBHOOK_EVENTS
from sync.scheduler import latest_fire
from tests.reliability.processes import BATON, baton_env, running_baton
from tests.waiting import wait_for

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

EMAIL, TOKEN, HOOK_SECRET = "baton@example.com", "emulator-token", "scale-out-secret"
CRON = "* * * * *"


class SearchGate:
    """ASGI wrapper of the emulator: while closed, issue searches wait, so a sync stays in the middle of its pull."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.open = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "/search" in scope["path"]:
            await asyncio.to_thread(self.open.wait)
        await self.app(scope, receive, send)


@pytest.fixture
def gated_jira() -> Iterator[tuple[str, SearchGate]]:
    """The Jira emulator behind a closed :class:`SearchGate`."""
    config = EmulatorConfig(vendor="jira", seed=7, items=300, credentials={"email": EMAIL, "api_token": TOKEN})
    gate = SearchGate(PLUGIN.build_app(config))
    with running_server(gate) as base_url:
        yield base_url, gate


def write_policy(path: Path, jira_url: str) -> Path:
    path.write_text(
        f"""
version: 1
schedules:
  sync: {{default: "{CRON}"}}
connections:
  - name: jira
    vendor: jira
    base_url: "{jira_url}"
    credentials: {{email: {{env: JIRA_EMAIL}}, api_token: {{env: JIRA_API_TOKEN}}}}
    webhook_secret: {{env: JIRA_WEBHOOK_SECRET}}
"""
    )
    return path


def runs(database: Database) -> list[tuple[int, str, datetime, datetime | None, str | None, str]]:
    with database.read_session() as session:
        rows = session.execute(
            select(
                RUNS.c.id, RUNS.c.status, RUNS.c.started_at, RUNS.c.finished_at, RUNS.c.error_message, RUNS.c.kind
            ).order_by(RUNS.c.id)
        ).all()
    return [(int(r.id), str(r.status), r.started_at, r.finished_at, r.error_message, str(r.kind)) for r in rows]


def test_two_replicas_and_a_worker_run_each_fire_once_apply_each_webhook_once_and_never_overlap_syncs(
    empty_database_url: str, gated_jira: tuple[str, SearchGate], tmp_path: Path
) -> None:
    jira_url, gate = gated_jira
    database = Database.from_url(empty_database_url)
    migrations.upgrade_to_head(database.engine)
    policy = write_policy(tmp_path / "policy.yaml", jira_url)
    env = baton_env(
        empty_database_url,
        policy,
        JIRA_EMAIL=EMAIL,
        JIRA_API_TOKEN=TOKEN,
        JIRA_WEBHOOK_SECRET=HOOK_SECRET,
        BATON_POLICY_REFRESH_SECONDS="1",
    )
    gate.open.set()
    issue = httpx.get(
        f"{jira_url}/rest/api/3/search/jql",
        params={"jql": "updated >= -3650d", "maxResults": 1, "fields": "summary"},
        auth=(EMAIL, TOKEN),
        timeout=30,
    ).json()["issues"][0]
    gate.open.clear()
    body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": issue["id"], "key": issue["key"]}})
    headers = {
        "X-Hub-Signature": "sha256=" + hmac_hex(HOOK_SECRET.encode(), body.encode()),
        "X-Atlassian-Webhook-Identifier": "scale-out-delivery-1",
        "Content-Type": "application/json",
    }
    try:
        with (
            running_baton(["serve", "--no-migrate"], env, tmp_path, "serve-a") as serve_a,
            running_baton(["serve", "--no-migrate"], env, tmp_path, "serve-b") as serve_b,
            running_baton(["worker"], env, tmp_path, "worker"),
        ):
            # The scheduled sync of the current fire: one of the three processes wins it.
            running = wait_for(
                lambda: next((r for r in runs(database) if r[1] == SyncStatus.RUNNING), None), timeout=120
            )
            # A manual sync while it runs is refused, not run alongside.
            manual = subprocess.run(
                [BATON, "sync", "--connection", "jira", "--full"], env=env, cwd=tmp_path, capture_output=True, text=True
            )
            assert manual.returncode == 1, manual.stdout + manual.stderr
            assert "another sync of connection" in manual.stderr
            gate.open.set()
            # The same delivery to both replicas, twice to one of them: one inbox row, applied once.
            statuses = [
                httpx.post(f"{replica.url}/webhooks/jira/jira", content=body, headers=headers, timeout=30).status_code
                for replica in (serve_a, serve_b, serve_a)
            ]
            assert statuses == [200, 200, 200]
            wait_for(
                lambda: (all(r[3] is not None for r in runs(database)) and len(runs(database)) >= 2) or None,
                timeout=180,
            )

            def delivery_done() -> list[tuple[str, int]] | None:
                with database.read_session() as session:
                    rows = session.execute(
                        select(WEBHOOK_EVENTS.c.status, WEBHOOK_EVENTS.c.attempts).where(
                            WEBHOOK_EVENTS.c.delivery_id == "scale-out-delivery-1"
                        )
                    ).all()
                return [(str(s), int(a)) for s, a in rows] if rows and rows[0][0] == "done" else None

            assert wait_for(delivery_done, timeout=120) == [("done", 1)]
        outcome = runs(database)
        manual_runs = [r for r in outcome if r[5] == SyncKind.FULL]
        assert len(manual_runs) == 1, outcome
        assert manual_runs[0][1] == SyncStatus.FAILED
        assert "another sync of connection" in str(manual_runs[0][4])
        scheduled = [r for r in outcome if r not in manual_runs]
        assert all(r[5] == SyncKind.INCREMENTAL for r in scheduled)
        # Each cron fire started one sync at most, whichever of the three processes claimed it; the fire of
        # the first minute ran to completion.
        fires = [latest_fire(CRON, r[2]) for r in scheduled]
        assert len(fires) == len(set(fires)), outcome
        first = next(r for r in scheduled if r[0] == running[0])
        assert first[1] == SyncStatus.SUCCEEDED, outcome
        # A later fire that came while that sync still ran was refused by the connection lease, never overlapped.
        ran = [r for r in scheduled if r[4] is None or "another sync" not in r[4]]
        assert all(r[1] == SyncStatus.SUCCEEDED for r in ran), outcome
        # Runs that pulled never overlapped.
        spans = sorted((r[2], r[3]) for r in ran)
        assert all(end is not None for _, end in spans)
        assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))  # type: ignore[operator]
        with database.read_session() as session:
            lease = session.execute(select(JOB_LEASES).where(JOB_LEASES.c.name == "sync:jira")).one()
        assert lease.last_status == "succeeded"
    finally:
        database.dispose()
