"""``build_report``: assemble one report (a date, a team scope) from the store, in one snapshot.

The report for date D describes the store at the end of D in the schedules' time zone (``day_end``): ages are
counted in days up to D, "since the previous report" runs from the end of the previous stored report's date to
``day_end``, the charts end with D. Only connection freshness looks at the clock (capped at ``day_end``): a
connection is stale when its last success is older than twice its sync schedule at the time the report is built.
So the same store and date give the same report, whenever it is built.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cronsim import CronSim

from core.policy import Policy, RuleId, Severity
from core.policy.rules import ScopeCreep
from core.timeutil import Clock
from models.db import Database
from models.enums import StatusCategory
from reporting.data import (
    FindingLine,
    FindingList,
    FindingsDelta,
    FlowCharts,
    HealthBanner,
    HygieneRow,
    ReportData,
    SprintRow,
    StaleConnection,
)
from reporting.queries import (
    count_open_findings,
    findings_delta,
    group_counts,
    hygiene_groups,
    oldest_open_findings,
    open_findings,
    open_health_findings,
    previous_report,
    read_connections,
    sprint_counts,
    stream_done_items,
    stream_wip_changes,
    wip_now,
)
from reporting.snapshot import read_snapshot
from sync.flow import percentiles
from sync.health import MASS_DISAPPEARANCE, UNMAPPED_STATUS, WEBHOOK_GAP
from sync.rule_inputs import OPEN_CATEGORIES, Organisation, load_organisation

__all__ = ["UnknownTeamError", "build_report", "report_window"]

FLOW_WEEKS = 12
WIP_DAYS = 28
OLDEST_PER_RULE = 3
LIST_LIMIT = 20


class UnknownTeamError(ValueError):
    """The team scope names no team of the policy."""


def report_window(report_date: date, timezone: str) -> datetime:
    """The end of ``report_date`` in ``timezone`` (the next local midnight), in UTC."""
    return datetime.combine(report_date + timedelta(days=1), time(), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def build_report(database: Database, policy: Policy, report_date: date, team: str | None, clock: Clock) -> ReportData:
    """The report of ``report_date`` for ``team`` (None: the whole organisation), read in one snapshot."""
    if team is not None and team not in policy.teams:
        known = ", ".join(sorted(policy.teams)) or "none"
        raise UnknownTeamError(f"unknown team {team!r}: the policy defines {known}")
    timezone = str(policy.schedules.timezone)
    zone = ZoneInfo(timezone)
    day_end = report_window(report_date, timezone)
    scope = team or "*"
    with read_snapshot(database) as snapshot:
        session = snapshot.snapshot
        assert session is not None
        organisation = load_organisation(snapshot, policy)
        previous = previous_report(session, report_date, scope)
        since = report_window(previous.report_date, timezone) if previous is not None else day_end - timedelta(days=1)
        lines = _Lines(report_date, zone)
        health = _health(session, policy, lines, min(clock(), day_end), day_end)
        hygiene = _hygiene(session, policy, organisation, team, day_end, previous)
        opened, resolved = findings_delta(session, since, day_end, team)
        counts, oldest = oldest_open_findings(session, day_end, team, OLDEST_PER_RULE)
        by_rule: dict[str, list[FindingLine]] = defaultdict(list)
        for row in oldest:
            by_rule[str(row.rule_id)].append(lines.line(row))
        ruled = {rule: FindingList(total=counts[rule], shown=by_rule[rule]) for rule in sorted(counts)}

        def listed(rule_ids: Sequence[str]) -> FindingList:
            total, rows = open_findings(session, rule_ids, day_end, team, LIST_LIMIT)
            return FindingList(total=total, shown=[lines.line(row) for row in rows])

        return ReportData(
            report_date=report_date.isoformat(),
            team_scope=scope,
            timezone=timezone,
            previous_report_date=previous.report_date.isoformat() if previous is not None else None,
            health=health,
            hygiene=hygiene,
            findings_delta=FindingsDelta(
                since=since.isoformat(),
                until=day_end.isoformat(),
                opened=opened,
                resolved=resolved,
                opened_total=sum(opened.values()),
                resolved_total=sum(resolved.values()),
            ),
            open_findings_total=count_open_findings(session, day_end, team),
            oldest_by_rule=ruled,
            stale_wip=listed([RuleId.R02.value]),
            aging_wip=listed([RuleId.R03.value]),
            overdue=listed([RuleId.R08.value]),
            sprints=_sprints(session, policy, organisation, team, zone),
            unmapped_statuses=listed([RuleId.R18.value, UNMAPPED_STATUS]),
            flow=_flow(session, organisation, team, report_date, zone, day_end),
        )


class _Lines:
    """Finding rows -> report lines, with dates in the report's time zone."""

    def __init__(self, report_date: date, zone: ZoneInfo) -> None:
        self._date = report_date
        self._zone = zone

    def line(self, row: Any) -> FindingLine:
        seen = row.first_seen_at.astimezone(self._zone).date()
        return FindingLine(
            id=int(row.id),
            rule_id=str(row.rule_id),
            team=row.team,
            severity=str(row.severity),
            message=str(row.message),
            url=row.url,
            first_seen=seen.isoformat(),
            age_days=max(0, (self._date - seen).days),
        )


def _cron_minutes(cron: str, at: datetime, zone: ZoneInfo) -> int:
    fires = CronSim(cron, at.astimezone(zone))
    first = next(fires)
    return max(1, round((next(fires) - first).total_seconds() / 60))


def _health(session: Any, policy: Policy, lines: _Lines, checked_at: datetime, day_end: datetime) -> HealthBanner:
    zone = ZoneInfo(str(policy.schedules.timezone))
    enabled = {c.name for c in policy.connections if c.enabled}
    stale = []
    for row in read_connections(session):
        if not row.enabled or (enabled and row.name not in enabled):
            continue
        minutes = _cron_minutes(policy.schedules.sync.for_connection(str(row.name)), day_end, zone)
        last = row.last_success_at
        if last is None or checked_at - last > timedelta(minutes=2 * minutes):
            stale.append(
                StaleConnection(
                    connection=str(row.name),
                    vendor=str(row.vendor),
                    last_success_at=last.astimezone(UTC).isoformat() if last is not None else None,
                    expected_every_minutes=minutes,
                )
            )
    found = [lines.line(row) for row in open_health_findings(session, day_end, LIST_LIMIT)]
    gaps = [f for f in found if f.rule_id == WEBHOOK_GAP]
    vanished = [f for f in found if f.rule_id == MASS_DISAPPEARANCE]
    other = [f for f in found if f.rule_id not in (WEBHOOK_GAP, MASS_DISAPPEARANCE, UNMAPPED_STATUS)]
    problems = []
    if stale:
        names = ", ".join(s.connection for s in stale)
        problems.append(f"{len(stale)} stale connection{'s' if len(stale) > 1 else ''} ({names})")
    if gaps:
        problems.append(f"{len(gaps)} webhook gap{'s' if len(gaps) > 1 else ''}")
    if vanished:
        problems.append(f"{len(vanished)} mass disappearance{'s' if len(vanished) > 1 else ''}")
    if other:
        problems.append(f"{len(other)} other sync-health finding{'s' if len(other) > 1 else ''}")
    if problems:
        headline = "This report may rest on stale or partial data: " + "; ".join(problems) + "."
    else:
        headline = "Data is fresh: every connection synced on schedule, no webhook gaps, no mass disappearance."
    return HealthBanner(
        ok=not problems,
        headline=headline,
        stale_connections=stale,
        webhook_gaps=gaps,
        mass_disappearances=vanished,
        other=other,
    )


def _hygiene(
    session: Any, policy: Policy, organisation: Organisation, team: str | None, until: datetime, previous: Any
) -> list[HygieneRow]:
    """Per team: the score of rules.md (as ``sync.hygiene``), from grouped rows instead of every item."""
    weights = policy.hygiene.weights
    max_weight = max(weights.weight(severity) for severity in Severity)
    per_team: dict[str, list[tuple[int, float, int]]] = defaultdict(list)
    for group in hygiene_groups(session, weights, until):
        owner = organisation.team_of(group.container_id, group.subcontainer_id)
        if owner is None:
            continue
        connection = organisation.connections.get(group.connection_id, ("?", None))[0]
        stored = _stored_category(group.status_category)
        category = organisation.statuses.category(group.status_raw, stored, owner, connection)
        is_open = category in OPEN_CATEGORIES if category is not None else group.status_category not in _CLOSED
        if is_open:
            per_team[owner].append((group.items, group.weighted, group.flagged))
    every_team = list(policy.report.teams) or sorted(set(policy.teams) | set(per_team))
    teams = [team] if team is not None else every_team
    before: dict[str, float] = {}
    if previous is not None:
        for row in (previous.content_json or {}).get("hygiene", []):
            if isinstance(row, dict) and "team" in row and "score" in row:
                before[str(row["team"])] = float(row["score"])
    rows = []
    for name in teams:
        parts = per_team.get(name, [])
        items = sum(p[0] for p in parts)
        weighted = sum(p[1] for p in parts)
        flagged = sum(p[2] for p in parts)
        score = _score(items, weighted, max_weight)
        old = before.get(name)
        rows.append(
            HygieneRow(
                team=name,
                open_items=items,
                items_with_findings=flagged,
                score=score,
                previous_score=old,
                change=round(score - old, 2) if old is not None else None,
            )
        )
    return rows


_CLOSED = ("done", "cancelled")


def _stored_category(value: str) -> StatusCategory | None:
    try:
        return StatusCategory(value)
    except ValueError:
        return None


def _score(items: int, weighted: float, max_weight: float) -> float:
    """The hygiene score of ``sync.hygiene.hygiene_score`` from totals (same formula, same rounding)."""
    if items == 0 or max_weight <= 0:
        return 100.0
    return round(100 * (1 - weighted / (max_weight * items)), 2)


def _sprints(
    session: Any, policy: Policy, organisation: Organisation, team: str | None, zone: ZoneInfo
) -> list[SprintRow]:
    settings = policy.rules.get(RuleId.R09)
    grace = timedelta(hours=settings.grace_hours if isinstance(settings, ScopeCreep) else 24)
    rows = []
    for sprint in sprint_counts(session, grace):
        board = organisation.containers.get(sprint.board_container_id) if sprint.board_container_id else None
        owner = board.team if board is not None else None
        if owner is None:  # a board no team owns: the sprint belongs to its items' team
            owner = organisation.team_of(sprint.item_container_id, None)
        if team is not None and owner != team:
            continue
        rows.append(
            SprintRow(
                sprint=sprint.name,
                connection=sprint.connection,
                team=owner,
                start=sprint.start_at.astimezone(zone).date().isoformat() if sprint.start_at else None,
                end=sprint.end_at.astimezone(zone).date().isoformat() if sprint.end_at else None,
                items=sprint.items,
                committed_at_start=sprint.committed,
                added_after_start=sprint.added_later,
                scope_creep_pct=round(100 * sprint.added_later / sprint.committed, 1) if sprint.committed else None,
                carried_over=sprint.carried_over,
            )
        )
    return rows


def _flow(
    session: Any, organisation: Organisation, team: str | None, report_date: date, zone: ZoneInfo, day_end: datetime
) -> FlowCharts:
    def wanted(container_id: int | None, subcontainer_id: int | None) -> bool:
        return team is None or organisation.team_of(container_id, subcontainer_id) == team

    last_monday = report_date - timedelta(days=report_date.weekday())
    weeks = [last_monday - timedelta(weeks=FLOW_WEEKS - 1 - i) for i in range(FLOW_WEEKS)]
    since = datetime.combine(weeks[0], time(), tzinfo=zone).astimezone(UTC)
    throughput: dict[date, int] = defaultdict(int)
    cycle: dict[date, list[float]] = defaultdict(list)
    for row in stream_done_items(session, since, day_end):
        done_at = row.resolved_at if row.resolved_at is not None else row.moved
        if done_at is None or not since <= done_at <= day_end or not wanted(row.container_id, row.subcontainer_id):
            continue
        local = done_at.astimezone(zone).date()
        week = local - timedelta(days=local.weekday())
        throughput[week] += 1
        if row.started_at is not None and row.started_at <= done_at:
            cycle[week].append((done_at - row.started_at).total_seconds())
    stats = {week: percentiles(cycle.get(week, [])) for week in weeks}

    days = [report_date - timedelta(days=WIP_DAYS - 1 - i) for i in range(WIP_DAYS)]
    ends = [datetime.combine(d + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC) for d in days]
    current = sum(n for (c, s), n in group_counts(wip_now(session)).items() if wanted(c, s))
    # A change at t moved the count of every day that ended before t: walk back from today's count.
    after = [0] * (len(ends) + 1)
    for change in stream_wip_changes(session, ends[0]):
        if wanted(change.container_id, change.subcontainer_id):
            after[bisect.bisect_left(ends, change.changed_at)] += int(change.delta)
    wip = []
    later = sum(after)
    for index in range(len(ends)):
        later -= after[index]
        wip.append(max(0, current - later))
    return FlowCharts(
        weeks=[w.isoformat() for w in weeks],
        throughput=[throughput.get(w, 0) for w in weeks],
        cycle_p50=[stats[w].p50 for w in weeks],
        cycle_p85=[stats[w].p85 for w in weeks],
        cycle_p95=[stats[w].p95 for w in weeks],
        days=[d.isoformat() for d in days],
        wip=wip,
    )
