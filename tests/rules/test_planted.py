"""Precision and recall 1.0 per rule on the emulator's planted cases (seeds 42 and 7), through the real store."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from emulators.org.manifest import PlantedManifest
from models.db import Database
from models.tables import FINDINGS, ITEMS
from sync.rules.evaluate import evaluate_items, run_sweep
from tests.rules.org_store import build_policy, epoch, load_org, organisation
from tests.rules.planted import fired_subjects, planted_subjects, score

ITEMS_PER_TOOL = 1_000


@pytest.mark.parametrize("seed", [42, 7])
def test_every_rule_finds_exactly_the_planted_subjects(database: Database, seed: int) -> None:
    org = organisation(seed, ITEMS_PER_TOOL)
    load_org(database, org)
    policy = build_policy(org)
    summary = run_sweep(database, policy, epoch(org.now))
    planted = planted_subjects(PlantedManifest(org))
    fired = fired_subjects(database)
    scores = score(planted, fired)
    report = {rule: (s.planted, s.fired, s.hits) for rule, s in scores.items()}
    for rule, result in scores.items():
        assert result.precision == 1.0, (
            rule,
            report[rule],
            sorted(map(str, fired.get(rule, set()) - planted.get(rule, set())))[:5],
        )
        assert result.recall == 1.0, (
            rule,
            report[rule],
            sorted(map(str, planted.get(rule, set()) - fired.get(rule, set())))[:5],
        )
    # Every rule with planted subjects is exercised (R16 needs 1,000 items per tool to plant a pair).
    assert all(scores[f"R{i:02d}"].planted > 0 for i in range(1, 21)), report
    assert summary.items == 3 * ITEMS_PER_TOOL


def test_a_second_sweep_refreshes_without_opening_or_resolving(database: Database) -> None:
    org = organisation(42, 600)
    load_org(database, org)
    policy = build_policy(org)
    first = run_sweep(database, policy, epoch(org.now))
    second = run_sweep(database, policy, epoch(org.now))
    opened = sum(t.opened for t in first.tallies.values())
    assert opened > 0
    assert sum(t.opened for t in second.tallies.values()) == 0
    assert sum(t.resolved for t in second.tallies.values()) == 0
    assert sum(t.refreshed for t in second.tallies.values()) == opened
    with database.read_session() as session:
        rows = session.execute(select(FINDINGS.c.message, FINDINGS.c.url, FINDINGS.c.subject_type)).all()
    assert all(message.endswith(".") and len(message) < 300 for message, _, _ in rows)
    assert all(url and url.startswith("http") for _, url, kind in rows if kind == "work_item")


def test_incremental_evaluation_of_every_item_agrees_with_the_sweep(database: Database) -> None:
    org = organisation(7, 600)
    load_org(database, org)
    policy = build_policy(org)
    run_sweep(database, policy, epoch(org.now))
    before = fired_subjects(database)
    with database.read_session() as session:
        ids = [int(i) for i in session.execute(select(ITEMS.c.id)).scalars()]
    summary = evaluate_items(database, policy, ids[: len(ids) // 2], epoch(org.now))
    summary.merge(evaluate_items(database, policy, ids[len(ids) // 2 :], epoch(org.now)).tallies)
    assert sum(t.opened for t in summary.tallies.values()) == 0
    assert sum(t.resolved for t in summary.tallies.values()) == 0
    assert fired_subjects(database) == before
