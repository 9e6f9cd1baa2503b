"""build_report against a hand-made store: every section, determinism, the previous report, team scopes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models.db import Database
from models.tables import FINDINGS, ITEMS
from reporting.build import UnknownTeamError, build_report
from reporting.nightly import generate_report
from reporting.render_json import render_json
from reporting.store import render_all
from sync.health import WEBHOOK_GAP, raise_health_finding
from sync.hygiene import compute_hygiene
from tests.reporting.seed import NOW, REPORT_DATE, report_policy, seed_store
from tests.rules.builders import DAY


def test_same_date_twice_gives_identical_json_markdown_and_html(database: Database) -> None:
    seed_store(database)
    policy = report_policy()
    first = render_all(build_report(database, policy, REPORT_DATE, None, lambda: NOW))
    # Later the same day, connections still fresh (synced within twice their 15-minute schedule).
    second = render_all(build_report(database, policy, REPORT_DATE, None, lambda: NOW + timedelta(minutes=20)))
    assert first.json == second.json
    assert first.markdown == second.markdown
    assert first.html == second.html
    assert first.content_hash == second.content_hash
    assert "generated" not in json.loads(first.json)


def test_sections_reflect_the_store(database: Database) -> None:
    seed_store(database)
    data = build_report(database, report_policy(), REPORT_DATE, None, lambda: NOW)
    assert data.health.ok, data.health.headline
    assert [f.message for f in data.stale_wip.shown]
    assert all(f.rule_id == "R02" for f in data.stale_wip.shown)
    assert any("WEB-1" in (f.url or "") for f in data.stale_wip.shown)
    assert data.overdue.total == 1
    assert data.overdue.shown[0].url == "https://acme.atlassian.net/browse/WEB-3"
    assert {f.rule_id for f in data.unmapped_statuses.shown} == {"R18"}
    # The active sprint: WEB-5 and WEB-6 there at the start, WEB-4 added four days in; WEB-6 sat in Sprint 1.
    (sprint,) = data.sprints
    assert (sprint.sprint, sprint.team, sprint.items) == ("Sprint 2", "web", 3)
    assert (sprint.committed_at_start, sprint.added_after_start, sprint.carried_over) == (2, 1, 1)
    assert sprint.scope_creep_pct == 50.0
    # Flow: WEB-8 (2 days ago) and WEB-10 (1 day ago) this week and last; WEB-9 nine days ago.
    flow = data.flow
    assert sum(flow.throughput) == 3
    assert flow.weeks[-1] == "2026-03-02"
    assert flow.throughput[-1] == 2  # Monday 2 March: WEB-8 (2 March) and WEB-10 (3 March)
    assert flow.cycle_p50[-1] == 5.0  # WEB-10: 5 days, WEB-8: 10 days; nearest rank
    assert flow.cycle_p95[-1] == 10.0
    # WIP: WEB-1, WEB-2 and the Trello card are in progress now; WEB-2 started yesterday, WEB-1 eight days ago.
    with database.read_session() as session:
        in_progress = session.execute(
            select(func.count()).select_from(ITEMS).where(ITEMS.c.status_category == "in_progress")
        ).scalar_one()
    assert flow.wip[-1] == in_progress == 3
    # In progress (noon to noon): WEB-1 from 24 Feb, WEB-2 from 3 Mar, WEB-8 20 Feb-2 Mar, WEB-9 12-23 Feb,
    # WEB-10 26 Feb-3 Mar; the Trello card has no history (counted every day). Counts at the end of each day:
    expected = {
        "2026-03-03": 3,
        "2026-03-02": 3,
        "2026-02-24": 3,
        "2026-02-23": 2,
        "2026-02-22": 3,
        "2026-02-20": 3,
        "2026-02-19": 2,
    }
    assert {day: flow.wip[flow.days.index(day)] for day in expected} == expected
    assert flow.days[-1] == "2026-03-04"
    with database.read_session() as session:
        open_findings = session.execute(
            select(func.count()).select_from(FINDINGS).where(FINDINGS.c.resolved_at.is_(None))
        ).scalar_one()
    assert data.open_findings_total == open_findings
    assert sum(found.total for found in data.oldest_by_rule.values()) == open_findings


def test_hygiene_scores_match_the_hygiene_module(database: Database) -> None:
    seed_store(database)
    policy = report_policy()
    data = build_report(database, policy, REPORT_DATE, None, lambda: NOW)
    expected = {s.key: s for s in compute_hygiene(database, policy, NOW + DAY / 2) if s.scope == "team"}
    assert [row.team for row in data.hygiene] == sorted(expected)
    for row in data.hygiene:
        score = expected[row.team]
        assert (row.open_items, row.items_with_findings, row.score) == (
            score.open_items,
            score.items_with_findings,
            score.score,
        )
    assert any(row.score < 100 for row in data.hygiene)


def test_change_and_findings_since_the_previous_report(database: Database) -> None:
    seed_store(database)
    policy = report_policy()
    yesterday = REPORT_DATE - timedelta(days=1)
    generate_report(database, policy, yesterday, None, clock=lambda: NOW)
    with database.session() as session:  # one finding resolved today, and WEB-3's found long ago
        first = session.execute(select(FINDINGS.c.id).where(FINDINGS.c.rule_id == "R02")).scalars().first()
        session.execute(update(FINDINGS).where(FINDINGS.c.id == first).values(resolved_at=NOW))
        session.execute(update(FINDINGS).where(FINDINGS.c.rule_id == "R08").values(first_seen_at=NOW - 10 * DAY))
        session.commit()
    data = build_report(database, policy, REPORT_DATE, None, lambda: NOW)
    assert data.previous_report_date == yesterday.isoformat()
    assert data.findings_delta.resolved == {"R02": 1}
    assert "R08" not in data.findings_delta.opened
    assert data.findings_delta.opened_total >= 1
    web = next(row for row in data.hygiene if row.team == "web")
    assert web.previous_score is not None
    assert web.change == round(web.score - web.previous_score, 2)
    assert web.change > 0  # a finding fewer
    overdue = data.overdue.shown[0]
    assert (overdue.first_seen, overdue.age_days) == ("2026-02-22", 10)


def test_stale_connection_and_webhook_gap_raise_the_banner(database: Database) -> None:
    seed_store(database, last_success=NOW - 2 * DAY)
    with database.session() as session:
        raise_health_finding(
            session,
            rule_id=WEBHOOK_GAP,
            subject_type="connection",
            subject_key="jira",
            message="Reconciliation found 4 changes no webhook delivered.",
            now=NOW,
        )
        session.commit()
    data = build_report(database, report_policy(), REPORT_DATE, None, lambda: NOW)
    health = data.health
    assert not health.ok
    assert {s.connection for s in health.stale_connections} == {"jira", "trello"}
    assert health.stale_connections[0].expected_every_minutes == 15
    assert [g.rule_id for g in health.webhook_gaps] == [WEBHOOK_GAP]
    assert health.headline.startswith("This report may rest on stale or partial data: 2 stale connections")
    rendered = render_all(data)
    assert rendered.markdown.index("Warning") < rendered.markdown.index("Hygiene score")
    assert rendered.html.index("banner warn") < rendered.html.index("Hygiene score")


def test_team_scope_keeps_to_the_team(database: Database) -> None:
    seed_store(database)
    data = build_report(database, report_policy(), REPORT_DATE, "design", lambda: NOW)
    assert data.team_scope == "design"
    assert [row.team for row in data.hygiene] == ["design"]
    assert data.sprints == []
    assert data.overdue.total == 0
    every = [f for found in data.oldest_by_rule.values() for f in found.shown]
    assert all(f.team == "design" for f in every)
    assert data.flow.wip[-1] == 1  # the Trello card in Doing


def test_unknown_team_is_a_clear_error(database: Database) -> None:
    with pytest.raises(UnknownTeamError, match="unknown team 'ops': the policy defines design, web"):
        build_report(database, report_policy(), REPORT_DATE, "ops", lambda: NOW)


def test_empty_store_gives_a_report(database: Database) -> None:
    data = build_report(database, report_policy(), REPORT_DATE, None, lambda: NOW)
    assert data.health.ok
    assert all(row.score == 100.0 for row in data.hygiene)
    assert render_json(data)
    assert "No data" in render_all(data).html
