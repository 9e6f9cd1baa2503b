"""Rules run on what a sync or a webhook changed, without a sweep: the Jira emulator over HTTP, the real connector.

An in-progress issue loses its assignee upstream (R06 must open) and another gets one (its R06 must resolve);
the scheduled sync job (sync.jobs) and the inbox processor (sync.inbox, as ``baton serve`` wires it) each pick the
change up and evaluate it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.webhooks.inbox import store_deliveries
from connectors.records import WebhookDelivery
from core.policy import Policy, RuleId, load_policy_text
from emulators.config import EmulatorConfig
from emulators.jira import PLUGIN as JIRA
from emulators.org.generator import DEFAULT_NOW
from emulators.org.model import Vendor
from emulators.server import running_server
from models.db import Database
from models.tables import FINDINGS, ITEMS
from sync.connections import sync_connections_from_policy
from sync.connector_pool import ConnectorPool
from sync.inbox import InboxProcessor
from sync.jobs import scheduled_jobs
from sync.rules import on_change
from sync.rules.on_change import changed_items_hook, evaluate_changed
from tests.rules.live_pipeline import EMULATOR_CREDENTIALS, ENVIRONMENT

POLICY = """
version: 1
connections:
  - name: jira
    vendor: jira
    base_url: {url}
    credentials: {{email: baton@example.com, api_token: {{env: JIRA_API_TOKEN}}}}
rules: {{}}
"""


@dataclass
class Jira:
    """A served Jira emulator, a REST client for upstream edits, and the policy pointing at it."""

    http: httpx.Client
    policy: Policy

    def now(self) -> datetime:
        """The emulator's clock (the rules evaluate at the tool's "now")."""
        return datetime.fromisoformat(str(self.http.get("/_emulator/clock").raise_for_status().json()["now"]))

    def assign(self, key: str, account: str | None) -> None:
        body: dict[str, Any] = {"fields": {"assignee": {"accountId": account} if account else None}}
        self.http.put(f"/rest/api/3/issue/{key}", json=body).raise_for_status()


@pytest.fixture
def jira() -> Iterator[Jira]:
    credentials = EMULATOR_CREDENTIALS[Vendor.JIRA]
    config = EmulatorConfig(vendor="jira", seed=11, items=300, now=DEFAULT_NOW, credentials=dict(credentials))
    with (
        running_server(JIRA.build_app(config)) as url,
        httpx.Client(base_url=url, auth=(credentials["email"], credentials["api_token"])) as http,
    ):
        yield Jira(http, load_policy_text(POLICY.format(url=url), source="policy.yaml").policy)


def open_r06(database: Database) -> set[str]:
    """Keys of the issues with an open R06 (missing assignee) finding."""
    with database.read_session() as session:
        return {
            str(key)
            for key in session.execute(
                select(ITEMS.c.key)
                .join(FINDINGS, FINDINGS.c.work_item_id == ITEMS.c.id)
                .where(FINDINGS.c.rule_id == RuleId.R06.value, FINDINGS.c.resolved_at.is_(None))
            ).scalars()
        }


def in_progress_assigned(database: Database) -> tuple[str, str]:
    """An in-progress issue with an assignee: its key and the assignee's account id."""
    with database.read_session() as session:
        row = session.execute(
            select(ITEMS.c.key, ITEMS.c.assignee_external_id)
            .where(ITEMS.c.status_category == "in_progress", ITEMS.c.assignee_external_id.is_not(None))
            .order_by(ITEMS.c.id)
            .limit(1)
        ).one()
    return str(row.key), str(row.assignee_external_id)


def test_the_scheduled_sync_evaluates_what_it_changed(database: Database, jira: Jira) -> None:
    sync_connections_from_policy(database, jira.policy)
    pool = ConnectorPool(database, lambda: jira.policy, ENVIRONMENT)
    [job] = [j for j in scheduled_jobs(database, jira.policy, pool, clock=jira.now) if j.name == "sync:jira"]
    job.run()
    before = open_r06(database)
    assert before, "the first sync evaluated every item it stored: the organisation has unassigned work"
    fixed = sorted(before)[0]
    broken, assignee = in_progress_assigned(database)
    jira.assign(fixed, assignee)
    jira.assign(broken, None)
    job.run()  # incremental: only the two edited issues changed
    assert open_r06(database) == (before - {fixed}) | {broken}


def test_a_processed_webhook_evaluates_what_it_changed(database: Database, jira: Jira) -> None:
    ids = sync_connections_from_policy(database, jira.policy)
    pool = ConnectorPool(database, lambda: jira.policy, ENVIRONMENT)
    [job] = [j for j in scheduled_jobs(database, jira.policy, pool, clock=jira.now) if j.name == "sync:jira"]
    job.run()
    before = open_r06(database)
    broken, _ = in_progress_assigned(database)
    fixed = sorted(before)[0]
    _, assignee = in_progress_assigned(database)
    jira.assign(broken, None)
    jira.assign(fixed, assignee)
    with database.read_session() as session:
        external = dict(session.execute(select(ITEMS.c.key, ITEMS.c.external_id)).all())
    store_deliveries(
        database,
        source="jira",
        connection_id=ids["jira"],
        deliveries=tuple(
            WebhookDelivery(f"delivery-{key}", "jira:issue_updated", str(external[key])) for key in (broken, fixed)
        ),
        body=b"{}",
        now=jira.now(),
    )
    processor = InboxProcessor(
        database,
        pool.connector_for,
        clock=jira.now,
        on_changed=changed_items_hook(database, lambda: jira.policy, jira.now),
    )
    outcome = processor.drain()
    assert (outcome.done, len(set(outcome.changed_item_ids))) == (2, 2)
    assert open_r06(database) == (before - {fixed}) | {broken}


def test_a_failed_evaluation_is_logged_and_never_fails_its_caller(
    tmp_path: Path, jira: Jira, caplog: pytest.LogCaptureFixture
) -> None:
    unmigrated = Database.from_url(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with caplog.at_level(logging.ERROR, logger="sync.rules.on_change"):
            assert evaluate_changed(unmigrated, jira.policy, [1, 2], jira.now) is None
    finally:
        unmigrated.dispose()
    assert "evaluating the rules on 2 changed items failed" in caplog.text
    assert evaluate_changed(unmigrated, jira.policy, [], jira.now) is not None  # nothing changed: nothing to do


def test_a_large_change_runs_one_sweep_instead(database: Database, jira: Jira, monkeypatch: pytest.MonkeyPatch) -> None:
    sync_connections_from_policy(database, jira.policy)
    pool = ConnectorPool(database, lambda: jira.policy, ENVIRONMENT)
    monkeypatch.setattr(on_change, "SWEEP_INSTEAD_ABOVE", 10)
    [job] = [j for j in scheduled_jobs(database, jira.policy, pool, clock=jira.now) if j.name == "sync:jira"]
    job.run()
    swept = open_r06(database)
    assert swept
    summary = evaluate_changed(database, jira.policy, [1] * 5 + list(range(2, 20)), jira.now)
    assert summary is not None
    assert summary.items == 300  # every item, not the 19 named
    assert open_r06(database) == swept
