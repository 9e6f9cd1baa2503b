"""Reconciliation: the incremental sync finds what webhooks lost (gap metric, SH02 finding) and converges (W15)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from models.tables import FINDINGS, RUNS
from sync.health import WEBHOOK_GAP
from tests.dbutil import DIALECT, fresh_database_url
from tests.waiting import wait_for
from tests.webhooks_e2e.conftest import Baton, baton_runner
from tests.webhooks_e2e.stack import VENDORS, Stack, live_digest, quiet, running_stack, source_digest, sync_all


def mutate(stack: Stack, count: int) -> None:
    """``count`` random changes in every emulator (its control API), then wait until webhooks settle."""
    for vendor in VENDORS:
        response = httpx.post(f"{stack.emulator_urls[vendor]}/_emulator/mutations", json={"count": count}, timeout=60)
        response.raise_for_status()
    wait_for(lambda: True if quiet(stack) else None, timeout=120)


def drop_rate(stack: Stack, rate: float) -> None:
    for vendor in VENDORS:
        url = f"{stack.emulator_urls[vendor]}/_emulator/webhooks/drop-rate"
        httpx.put(url, json={"rate": rate, "seed": 7}, timeout=30).raise_for_status()


def open_gap_findings(stack: Stack) -> dict[str, int]:
    with stack.database.read_session() as session:
        rows = session.execute(
            select(FINDINGS.c.subject_key, FINDINGS.c.details).where(
                FINDINGS.c.rule_id == WEBHOOK_GAP, FINDINGS.c.resolved_at.is_(None)
            )
        ).all()
    return {str(key): int(details["gaps"]) for key, details in rows}


def registered_baseline(stack: Stack, baton: Baton) -> None:
    """A full sync, webhooks registered, and the first incremental run (its window predates the webhooks)."""
    sync_all(stack.database, stack.policy_path, full=True)
    result = baton("webhooks", "register")
    assert result.exit_code == 0, result.output
    first = sync_all(stack.database, stack.policy_path, full=False)
    assert all(report.webhook_gaps is None for report in first.values())  # not (wholly) covered: not judged


def test_the_sync_counts_changes_no_webhook_delivered(stack: Stack, baton: Baton) -> None:
    registered_baseline(stack, baton)

    mutate(stack, 8)  # every delivery arrives: the sync has nothing left to do
    delivered = sync_all(stack.database, stack.policy_path, full=False)
    assert {v: (r.webhook_gaps, r.items_changed, r.items_deleted) for v, r in delivered.items()} == {
        v: (0, 0, 0) for v in VENDORS
    }
    assert open_gap_findings(stack) == {}

    drop_rate(stack, 1.0)  # every delivery lost: everything the sync changes is a gap
    mutate(stack, 8)
    lost = sync_all(stack.database, stack.policy_path, full=False)
    for vendor, report in lost.items():
        assert report.webhook_gaps is not None, vendor
        assert 0 < report.webhook_gaps <= report.items_changed + report.items_deleted, vendor
    gaps = {str(stack.connection_id(v)): lost[v].webhook_gaps for v in VENDORS}
    assert open_gap_findings(stack) == gaps
    with stack.database.read_session() as session:
        stored = dict(session.execute(select(RUNS.c.id, RUNS.c.webhook_gaps)).all())
    assert all(stored[report.run_id] == report.webhook_gaps for report in lost.values())
    metrics = httpx.get(f"{stack.baton_url}/metrics", timeout=30).text
    for vendor in VENDORS:
        line = f'baton_webhook_gaps{{connection="{vendor}-e2e",source="{vendor}",window="last_run"}} '
        assert f"{line}{float(lost[vendor].webhook_gaps or 0)}" in metrics

    created = baton("apikey", "create", "--role", "viewer", "--name", "gaps")
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    runs = httpx.get(
        f"{stack.baton_url}/api/v1/sync/runs", headers={"Authorization": f"Bearer {key}"}, timeout=30
    ).json()["items"]
    by_id = {run["id"]: run["webhook_gaps"] for run in runs}
    assert all(by_id[report.run_id] == report.webhook_gaps for report in lost.values())

    drop_rate(stack, 0.0)  # deliveries arrive again: a clean run resolves the finding
    mutate(stack, 4)
    healed = sync_all(stack.database, stack.policy_path, full=False)
    assert all(report.webhook_gaps == 0 for report in healed.values())
    assert open_gap_findings(stack) == {}


@pytest.mark.reliability
def test_w15_lost_webhooks_converge_after_one_reconciliation_cycle(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_stack(empty_database_url, tmp_path, webhook_drop_rate=0.05) as stack:
        baton = baton_runner(stack, monkeypatch)
        registered_baseline(stack, baton)
        mutate(stack, 40)
        dropped = {v: stack.runtimes[v].webhooks.dropped for v in VENDORS}  # type: ignore[union-attr]
        assert sum(dropped.values()) > 0
        with fresh_database_url(DIALECT, tmp_path) as oracle_url:
            expected = source_digest(oracle_url, stack.policy_path)
        assert live_digest(stack.database) != expected  # the drops left the store behind

        reconciled = sync_all(stack.database, stack.policy_path, full=False)  # one reconciliation cycle

        assert live_digest(stack.database) == expected
        assert sum(report.webhook_gaps or 0 for report in reconciled.values()) > 0
