"""Findings lifecycle on both databases: open -> refresh -> resolve, snooze, one open per (rule, subject)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.policy import RuleId
from models.db import Database
from models.tables import FINDINGS
from sync.findings import list_open_findings, snooze_finding, unsnooze_finding
from sync.health import MASS_DISAPPEARANCE, raise_health_finding
from sync.rules.evaluate import evaluate_items, run_sweep
from tests.rules.builders import DAY, NOW, POLICY, Store, comment, jira_item, policy

STALE = [RuleId.R01]


def findings(database: Database, rule: str = "R01") -> list[dict[str, object]]:
    with database.read_session() as session:
        rows = session.execute(select(FINDINGS).where(FINDINGS.c.rule_id == rule).order_by(FINDINGS.c.id)).all()
    return [dict(row._mapping) for row in rows]


def stale_item(number: int) -> object:
    return jira_item(number, created_at=NOW - 60 * DAY)


def test_open_refresh_resolve_reopen(database: Database) -> None:
    store = Store(database)
    item = jira_item(1, created_at=NOW - 60 * DAY)
    store.put(item)
    first = run_sweep(database, policy(), NOW, rules=STALE)
    assert first.tallies["R01"].opened == 1
    [opened] = findings(database)
    assert opened["resolved_at"] is None
    assert opened["message"] == "WEB-1 has had no activity for 60 days in To Do (limit 30)."
    assert opened["url"] == "https://acme.atlassian.net/browse/WEB-1"
    assert opened["team"] == "web"

    later = NOW + timedelta(hours=5)
    second = run_sweep(database, policy(), later, rules=STALE)
    assert (second.tallies["R01"].opened, second.tallies["R01"].refreshed) == (0, 1)
    [refreshed] = findings(database)
    assert refreshed["id"] == opened["id"]
    assert refreshed["first_seen_at"] == NOW
    assert refreshed["last_seen_at"] == later

    # Fixed upstream: a human comments; the next sweep resolves the finding.
    fixed = dataclasses.replace(
        item, updated_at=later, version="2", transitions=(*item.transitions, comment(later - timedelta(hours=1)))
    )
    store.put(fixed)
    third = run_sweep(database, policy(), later + timedelta(hours=1), rules=STALE)
    assert third.tallies["R01"].resolved == 1
    [resolved] = findings(database)
    assert resolved["resolved_at"] == later + timedelta(hours=1)

    # Staleness grows without change: 40 days on it fires again, as a new finding.
    fourth = run_sweep(database, policy(), later + 40 * DAY, rules=STALE)
    assert fourth.tallies["R01"].opened == 1
    rows = findings(database)
    assert len(rows) == 2
    assert rows[0]["resolved_at"] is not None
    assert rows[1]["resolved_at"] is None


def test_repeated_runs_keep_one_open_finding_per_rule_and_subject(database: Database) -> None:
    store = Store(database)
    store.put(*(jira_item(n, created_at=NOW - 60 * DAY, estimate=None) for n in range(1, 6)))
    for hours in range(4):
        run_sweep(database, policy(), NOW + timedelta(hours=hours))
        evaluate_items(database, policy(), [1, 2, 3], NOW + timedelta(hours=hours, minutes=30))
    with database.read_session() as session:
        duplicates = session.execute(
            select(FINDINGS.c.rule_id, FINDINGS.c.subject_type, FINDINGS.c.subject_key)
            .where(FINDINGS.c.resolved_at.is_(None))
            .group_by(FINDINGS.c.rule_id, FINDINGS.c.subject_type, FINDINGS.c.subject_key)
            .having(func.count() > 1)
        ).all()
        total = session.execute(select(func.count()).select_from(FINDINGS)).scalar_one()
    assert duplicates == []
    assert total == 10  # R01 and R05 for each of the five items, opened once


def test_snooze_hides_until_expiry_and_the_finding_stays_open(database: Database) -> None:
    store = Store(database)
    store.put(jira_item(1, created_at=NOW - 60 * DAY))
    run_sweep(database, policy(), NOW, rules=STALE)
    [finding] = list_open_findings(database, NOW)
    until = NOW + 7 * DAY
    assert snooze_finding(database, finding.id, until=until, reason="waiting for the Q2 plan", now=NOW)
    assert list_open_findings(database, NOW) == []
    [hidden] = list_open_findings(database, NOW, include_snoozed=True)
    assert hidden.snoozed_until == until
    run_sweep(database, policy(), NOW + DAY, rules=STALE)  # still firing: refreshed, still snoozed
    [row] = findings(database)
    assert row["resolved_at"] is None
    assert row["snoozed_until"] == until
    assert row["snooze_reason"]
    assert row["last_seen_at"] == NOW + DAY
    assert [f.id for f in list_open_findings(database, until)] == [finding.id]  # expired: visible again
    with pytest.raises(ValueError, match="future"):
        snooze_finding(database, finding.id, until=NOW, reason="x", now=NOW)
    assert unsnooze_finding(database, finding.id)
    assert not unsnooze_finding(database, finding.id)


def test_incremental_evaluation_resolves_only_the_items_it_evaluated(database: Database) -> None:
    store = Store(database)
    first, second = jira_item(1, created_at=NOW - 60 * DAY), jira_item(2, created_at=NOW - 60 * DAY)
    ids = store.put(first, second)
    run_sweep(database, policy(), NOW, rules=STALE)
    assert len(list_open_findings(database, NOW)) == 2
    later = NOW + DAY
    for item in (first, second):
        store.put(
            dataclasses.replace(item, updated_at=later, version="2", transitions=(*item.transitions, comment(later)))
        )
    summary = evaluate_items(database, policy(), [ids[0]], later, rules=STALE)
    assert summary.tallies["R01"].resolved == 1
    [left] = list_open_findings(database, later)
    assert left.subject_key == str(ids[1])


def test_sweeps_leave_sync_health_findings_alone_and_resolve_deleted_items(database: Database) -> None:
    store = Store(database)
    store.put(jira_item(1, created_at=NOW - 60 * DAY))
    with database.session() as session:
        raise_health_finding(
            session, rule_id=MASS_DISAPPEARANCE, subject_type="container", subject_key="1", message="m", now=NOW
        )
        session.commit()
    run_sweep(database, policy(), NOW)
    store.jira.tombstone(["10001"])
    run_sweep(database, policy(), NOW + DAY)
    assert findings(database, MASS_DISAPPEARANCE)[0]["resolved_at"] is None
    assert all(f["resolved_at"] is not None for f in findings(database, "R01"))


def test_team_and_rule_filters_limit_what_is_written_and_resolved(database: Database) -> None:
    store = Store(database)
    store.put(jira_item(1, created_at=NOW - 60 * DAY, estimate=None))
    summary = run_sweep(database, policy(), NOW, team="design")
    assert summary.items == 0
    assert not any(t.opened for t in summary.tallies.values())
    run_sweep(database, policy(), NOW, team="web", rules=[RuleId.R05])
    assert [f.rule_id for f in list_open_findings(database, NOW)] == ["R05"]
    # A category override in the policy changes what the rules see, without a re-sync.
    done = policy(POLICY.replace("  blocked: [Blocked]", "  blocked: [Blocked]\n  categories: {To Do: done}"))
    run_sweep(database, done, NOW + DAY, rules=[RuleId.R05])
    assert list_open_findings(database, NOW + DAY) == []
