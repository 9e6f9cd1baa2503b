"""The scheduled jobs the policy defines, and pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.policy import load_policy
from models.db import Database
from models.tables import RUNS, WEBHOOK_EVENTS
from sync.connector_pool import ConnectorPool
from sync.jobs import prune_history, scheduled_jobs
from sync.store import ensure_connection

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
POLICY = """
version: 1
schedules:
  timezone: Europe/Paris
  sync: {default: "*/15 * * * *", connections: {boards: "*/5 * * * *"}}
connections:
  - {name: jira, vendor: jira, base_url: "http://127.0.0.1:8101", credentials: {token: {env: T}}}
  - {name: boards, vendor: trello, base_url: "http://127.0.0.1:8102", credentials: {api_key: {env: K}, token: {env: T}}}
  - {name: old, vendor: asana, base_url: "http://127.0.0.1:8103", enabled: false, credentials: {token: {env: T}}}
"""


def test_the_policy_schedules_syncs_rules_report_inbox_retries_and_pruning(database: Database) -> None:
    policy = load_policy(POLICY).policy
    jobs = scheduled_jobs(database, policy, ConnectorPool(database, lambda: policy, {}))
    assert [(job.name, job.cron, job.timezone) for job in jobs] == [
        ("sync:jira", "*/15 * * * *", "Europe/Paris"),
        ("sync:boards", "*/5 * * * *", "Europe/Paris"),
        ("rules", "5 * * * *", "Europe/Paris"),
        ("report", "0 6 * * 1-5", "Europe/Paris"),
        ("inbox_retry", "* * * * *", "Europe/Paris"),
        ("prune", "30 3 * * *", "Europe/Paris"),
    ]


def test_prune_keeps_recent_and_unprocessed_rows(database: Database) -> None:
    connection_id = ensure_connection(database, name="jira", vendor="jira", base_url="http://x")
    old, recent = NOW - timedelta(days=30), NOW - timedelta(days=1)
    with database.session() as session:
        for n, (status, received) in enumerate([("done", old), ("done", recent), ("dead", old), ("pending", old)]):
            session.execute(
                WEBHOOK_EVENTS.insert().values(
                    source="jira",
                    connection_id=connection_id,
                    delivery_id=f"d{n}",
                    event_type="e",
                    body=b"{}",
                    status=status,
                    attempts=0,
                    received_at=received,
                )
            )
        for started in (NOW - timedelta(days=120), recent):
            session.execute(
                RUNS.insert().values(connection_id=connection_id, kind="full", status="succeeded", started_at=started)
            )
        session.commit()
    assert prune_history(database, now_fn=lambda: NOW) == (1, 1)
    with database.read_session() as session:
        assert session.execute(select(func.count()).select_from(WEBHOOK_EVENTS)).scalar_one() == 3
        assert session.execute(select(func.count()).select_from(RUNS)).scalar_one() == 1
