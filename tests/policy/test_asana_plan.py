"""An Asana connection's `plan` sets the connector's self-throttling: 150 requests a minute on free, 1,500 on paid.

Checked through the policy -> sync.policy_bridge -> connectors.factory path ``baton sync`` uses, and by a full
sync against the Asana emulator with a clock that only moves when the connector waits.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.asana import AsanaConnector
from connectors.factory import build_connector
from core.policy import AsanaPlan, Policy, load_policy_text
from models.db import Database
from models.enums import SyncStatus, Vendor
from sync.engine import run_sync
from sync.policy_bridge import connector_config_for
from sync.store import ensure_connection
from tests.connectors.harness_asana import HARNESS, TOKEN
from tests.fake_time import FakeTime

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ENVIRONMENT = {"ASANA_TOKEN": TOKEN}


def asana_policy(base_url: str, plan: str | None) -> Policy:
    line = f"    plan: {plan}\n" if plan is not None else ""
    text = (
        "connections:\n"
        "  - name: asana\n"
        "    vendor: asana\n"
        f"    base_url: {base_url}\n"
        "    credentials: {token: {env: ASANA_TOKEN}}\n"
        f"{line}"
    )
    return load_policy_text(text, source="policy.yaml").policy


@pytest.mark.parametrize(("plan", "per_minute"), [("free", 150), ("paid", 1_500), (None, 1_500)])
def test_the_plan_sets_the_connectors_rate_limit(plan: str | None, per_minute: int) -> None:
    policy = asana_policy("https://app.asana.com", plan)
    connection = policy.connection("asana")
    assert getattr(connection, "plan", None) == AsanaPlan(plan or "paid")
    config, _ = connector_config_for(policy, "asana", ENVIRONMENT)
    assert config.requests_per_minute == per_minute
    connector = build_connector(config)
    assert isinstance(connector, AsanaConnector)
    assert connector.client.limits.requests_per_minute == per_minute


def test_other_vendors_keep_their_connectors_defaults() -> None:
    text = (
        "connections:\n  - name: jira\n    vendor: jira\n    base_url: https://acme.atlassian.net\n"
        "    credentials: {email: a@acme.example, api_token: {env: JIRA_API_TOKEN}}\n"
    )
    config, _ = connector_config_for(load_policy_text(text).policy, "jira", {"JIRA_API_TOKEN": "t"})
    assert config.requests_per_minute is None


@pytest.mark.parametrize("plan", ["free", "paid"])
def test_the_connector_keeps_under_its_plans_limit(database: Database, plan: str) -> None:
    """A clock that only moves when the connector waits: on free, every 151st request in a minute waits for the
    window to move on; on paid the same sync (fewer than 1,500 requests) never waits."""
    with HARNESS.running(seed=9, items=300, now=NOW) as running:
        time = FakeTime()
        start = time.now
        config, _ = connector_config_for(asana_policy(running.url, plan), "asana", ENVIRONMENT, time_source=time)
        connector = build_connector(config)
        connection_id = ensure_connection(database, name="asana", vendor="asana", base_url=running.url)
        report = run_sync(database, connection_id=connection_id, vendor=Vendor.ASANA, connector=connector, full=True)
        assert report.status == SyncStatus.SUCCEEDED, report.errors
        requests = connector.requests_made
        assert 300 < requests < 1_500
        if plan == "free":
            assert time.now - start >= 60.0 * ((requests - 1) // 150)
        else:
            assert time.now == start
            assert time.sleeps == []
