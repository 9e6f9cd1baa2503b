"""Flow metrics and the hygiene score against hand-computed figures."""

from __future__ import annotations

from datetime import date, timedelta

from core.policy.hygiene import SeverityWeights
from models.db import Database
from models.enums import StatusCategory
from sync.flow import (
    compute_flow_metrics,
    daily_wip,
    in_progress_spells,
    item_flow_times,
    percentiles,
    weekly_throughput,
)
from sync.hygiene import compute_hygiene, hygiene_score, item_weights
from sync.rules.evaluate import run_sweep
from tests.rules.builders import DAY, NOW, Store, jira_item, policy, rule_item, status_change, transition

C = StatusCategory


def done_item(item_id: int, created_days: float, started_days: float | None, done_days: float) -> object:
    history = [status_change(NOW - created_days * DAY, None, "To Do", None, C.TODO)]
    if started_days is not None:
        history.append(status_change(NOW - started_days * DAY, "To Do", "In Progress", C.TODO, C.IN_PROGRESS))
    history.append(status_change(NOW - done_days * DAY, "In Progress", "Done", C.IN_PROGRESS, C.DONE))
    return rule_item(
        id=item_id,
        created_at=NOW - created_days * DAY,
        status_raw="Done",
        status_category=C.DONE,
        resolved_at=NOW - done_days * DAY,
        history=tuple(history),
    )


def test_lead_cycle_pickup_of_one_item() -> None:
    times = item_flow_times(done_item(1, 10, 6, 2))  # type: ignore[arg-type]
    assert (times.lead, times.cycle, times.pickup) == (8 * 86_400, 4 * 86_400, 4 * 86_400)
    skipped = item_flow_times(done_item(2, 10, None, 2))  # type: ignore[arg-type]
    assert skipped.lead == 8 * 86_400
    assert skipped.cycle is None
    assert skipped.pickup is None


def test_nearest_rank_percentiles() -> None:
    days = [float(d * 86_400) for d in range(1, 21)]  # 1..20 days
    result = percentiles(days)
    assert (result.count, result.p50, result.p85, result.p95) == (20, 10.0, 17.0, 19.0)
    assert percentiles([]).p50 is None


def test_weekly_throughput_and_daily_wip() -> None:
    since = NOW - 14 * DAY  # Wednesday 2026-02-18
    done = [NOW - 1 * DAY, NOW - 2 * DAY, NOW - 9 * DAY, NOW - 30 * DAY]
    assert weekly_throughput(done, since, NOW) == [
        (date(2026, 2, 16), 0),
        (date(2026, 2, 23), 1),
        (date(2026, 3, 2), 2),
    ]
    spells = [(NOW - 3 * DAY, NOW - 1 * DAY), (NOW - 2 * DAY, NOW)]
    wip = dict(daily_wip(spells, NOW - 4 * DAY, NOW))
    # End of day (UTC) counts: 28 Feb 0, 1 Mar 1 (first spell), 2 Mar 2, 3 Mar 1 (first ended at noon), today 1.
    assert wip == {
        date(2026, 2, 28): 0,
        date(2026, 3, 1): 1,
        date(2026, 3, 2): 2,
        date(2026, 3, 3): 1,
        date(2026, 3, 4): 1,
    }
    item = rule_item(
        status_raw="In Progress",
        status_category=C.IN_PROGRESS,
        history=(
            status_change(NOW - 5 * DAY, "To Do", "In Progress", C.TODO, C.IN_PROGRESS),
            status_change(NOW - 4 * DAY, "In Progress", "To Do", C.IN_PROGRESS, C.TODO),
            status_change(NOW - 2 * DAY, "To Do", "In Review", C.TODO, C.IN_PROGRESS),
        ),
    )
    assert in_progress_spells(item, NOW) == [(NOW - 5 * DAY, NOW - 4 * DAY), (NOW - 2 * DAY, NOW)]


def test_flow_metrics_from_the_store(database: Database) -> None:
    store = Store(database)

    def finished(number: int, created: int, started: int, done: int) -> object:
        return jira_item(
            number,
            created_at=NOW - created * DAY,
            status_raw="Done",
            status_category=C.DONE,
            resolved_at=NOW - done * DAY,
            transitions=(
                transition(NOW - created * DAY, "To Do", C.TODO, event=f"a{number}"),
                transition(
                    NOW - started * DAY,
                    "In Progress",
                    C.IN_PROGRESS,
                    source="To Do",
                    source_category=C.TODO,
                    event=f"b{number}",
                ),
                transition(
                    NOW - done * DAY,
                    "Done",
                    C.DONE,
                    source="In Progress",
                    source_category=C.IN_PROGRESS,
                    event=f"c{number}",
                ),
            ),
        )

    store.put(finished(1, 10, 8, 2), finished(2, 20, 10, 4), finished(3, 30, 28, 1))  # type: ignore[arg-type]
    metrics = {(m.team, m.tool): m for m in compute_flow_metrics(database, policy(), NOW, window_days=28)}
    web = metrics[("web", "*")]
    # lead 8, 16, 29 days; cycle 6, 6, 27; pickup (start within window) 2, 10 (item 3 started 28 days ago: in).
    assert (web.lead.count, web.lead.p50, web.lead.p85) == (3, 16.0, 29.0)
    assert (web.cycle.p50, web.cycle.p95) == (6.0, 27.0)
    assert web.pickup.count == 3
    assert web.pickup.p50 == 2.0
    assert sum(count for _, count in web.throughput) == 3
    assert metrics[("*", "jira")].lead == web.lead
    assert web.wip[-1] == (NOW.date(), 0)
    # Ends of day: 27 Feb (NOW - 4.5 d) all three in progress; 1 Mar (NOW - 2.5 d) items 1 and 3; 2 Mar item 3.
    wip = dict(web.wip)
    assert (wip[date(2026, 2, 27)], wip[date(2026, 3, 1)], wip[date(2026, 3, 2)]) == (3, 2, 1)


def test_hygiene_score_by_hand() -> None:
    weights = SeverityWeights()  # info 0, low 1, medium 2, high 4
    by_item = item_weights([(1, "low"), (1, "high"), (2, "medium"), (3, "info")], weights)
    assert by_item == {1: 4.0, 2: 2.0, 3: 0.0}
    # 5 open items: weights 4, 2, 0, 0, 0 -> 100 * (1 - 6 / (4 * 5)) = 70
    assert hygiene_score([4.0, 2.0, 0.0, 0.0, 0.0], 4.0) == (5, 2, 6.0, 70.0)
    assert hygiene_score([], 4.0) == (0, 0, 0, 100.0)


def test_hygiene_per_team_and_container_from_the_store(database: Database) -> None:
    store = Store(database)
    store.put(
        jira_item(1, created_at=NOW - 60 * DAY),  # R01 (low)
        jira_item(2, estimate=None),  # R05 (low)
        jira_item(
            3,
            status_raw="Blocked",
            status_category=C.IN_PROGRESS,
            assignee_external_id="u1",
            transitions=(transition(NOW - 5 * DAY, "Blocked", C.IN_PROGRESS, event="blk"),),
        ),  # R04 (high)
        jira_item(4),
        jira_item(5, status_raw="Done", status_category=C.DONE, resolution="Done"),  # closed: not counted
    )
    run_sweep(database, policy(), NOW)
    scores = {(s.scope, s.key): s for s in compute_hygiene(database, policy(), NOW)}
    web = scores[("team", "web")]
    # 4 open items, weights 1 + 1 + 4 + 0 = 6 -> 100 * (1 - 6 / 16) = 62.5
    assert (web.open_items, web.items_with_findings, web.weighted, web.score) == (4, 3, 6.0, 62.5)
    assert scores[("team", "design")].score == 100.0
    assert any(s.scope == "container" and s.name == "Web" and s.score == 62.5 for s in scores.values())
    assert timedelta(days=1) == DAY
