"""Precision and recall 1.0 per rule on the emulator's planted cases (seeds 42 and 7), through the whole pipeline.

The three emulators serve one organisation over real HTTP; the real connectors sync it into the store as
``baton sync`` does; a sweep evaluates every rule; the open findings must equal the planted manifest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from emulators.org.manifest import PlantedManifest
from models.db import Database
from models.tables import FINDINGS, ITEMS
from sync.rules.evaluate import evaluate_items, run_sweep
from tests.rules.live_pipeline import LiveOrg, live_org, live_policy, sync_everything
from tests.rules.planted import fired_subjects, planted_subjects, score

ITEMS_PER_TOOL = 1_000  # R16 needs 1,000 items per tool to plant a linked pair


@pytest.fixture(params=[42, 7], ids=["seed42", "seed7"])
def live(request: pytest.FixtureRequest) -> Iterator[LiveOrg]:
    with live_org(request.param, ITEMS_PER_TOOL) as served:
        yield served


def test_every_rule_finds_exactly_the_planted_subjects(database: Database, live: LiveOrg) -> None:
    policy = live_policy(live)
    reports = sync_everything(database, policy, live.now)
    assert {name: report.items_seen for name, report in reports.items()} == dict.fromkeys(
        ("jira", "trello", "asana"), ITEMS_PER_TOOL
    )
    summary = run_sweep(database, policy, live.now)
    planted = planted_subjects(PlantedManifest(live.org))
    fired = fired_subjects(database, policy)
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
    assert all(scores[f"R{i:02d}"].planted > 0 for i in range(1, 21)), report
    assert summary.items == 3 * ITEMS_PER_TOOL
    # A second sweep over the same data refreshes every finding and opens or resolves none.
    again = run_sweep(database, policy, live.now)
    assert sum(t.opened for t in again.tallies.values()) == 0
    assert sum(t.resolved for t in again.tallies.values()) == 0
    assert sum(t.refreshed for t in again.tallies.values()) == sum(s.fired for s in scores.values())
    with database.read_session() as session:
        rows = session.execute(select(FINDINGS.c.message, FINDINGS.c.url, FINDINGS.c.subject_type)).all()
    assert all(message.endswith(".") and len(message) < 300 for message, _, _ in rows)
    assert all(url and url.startswith(("http://127.0.0.1", "https://")) for _, url, kind in rows if kind == "work_item")
    # Evaluating every item incrementally (as syncs and webhooks do) agrees with the sweep.
    with database.read_session() as session:
        ids = [int(i) for i in session.execute(select(ITEMS.c.id)).scalars()]
    halves = evaluate_items(database, policy, ids[: len(ids) // 2], live.now)
    halves.merge(evaluate_items(database, policy, ids[len(ids) // 2 :], live.now).tallies)
    assert sum(t.opened for t in halves.tallies.values()) == 0
    assert sum(t.resolved for t in halves.tallies.values()) == 0
    assert fired_subjects(database, policy) == fired
