"""Flow metrics from status history: lead, cycle and pickup time percentiles, weekly throughput, WIP.

Served from a snapshot (``view_snapshot``) at most ``FLOW_MAX_AGE`` old, with the live WIP from the item tallies.
Computed from ``transition`` rows: lead time is created -> final done,
cycle time first in progress -> final done, pickup time created -> first in progress (items that skipped in
progress are left out of cycle and pickup, not counted as zero). Kept small so it can be replaced.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import Session

from api.views.items import ItemFilters, item_conditions
from api.views.snapshots import cached_view
from api.views.tallies import read_tallies, tallies_in
from api.views.teams import team_containers, teams_containers
from core.policy import Policy
from models.db import Database
from models.enums import StatusCategory
from models.tables import ITEMS, TRANSITIONS

__all__ = ["FLOW_MAX_AGE", "Distribution", "FlowMetrics", "FlowSlice", "compute_flow", "load_flow", "percentile"]

DONE = str(StatusCategory.DONE)
IN_PROGRESS = str(StatusCategory.IN_PROGRESS)
CHUNK = 1_000


class Distribution(BaseModel):
    """Percentiles of a duration, in days."""

    samples: int
    p50: float | None = Field(examples=[3.5])
    p85: float | None
    p95: float | None


class FlowSlice(BaseModel):
    """Flow figures for one slice (everything, or one tool)."""

    source: str | None = Field(description="The tool, or `null` for every tool together.")
    lead_time_days: Distribution
    cycle_time_days: Distribution
    pickup_time_days: Distribution
    throughput_per_week: dict[str, int] = Field(description="Items reaching done, by ISO week start (Monday).")
    wip: int = Field(description="Live items in progress now.")
    wip_per_day: dict[str, int] = Field(
        description="Items in progress at the end of each UTC day of the window (the WIP trend), oldest first.",
        examples=[{"2026-11-22": 14, "2026-11-23": 17, "2026-11-24": 15}],
    )


class FlowMetrics(BaseModel):
    """Flow over the last `weeks` weeks."""

    since: datetime
    until: datetime
    as_of: datetime = Field(description="When the durations, throughput and WIP trend were computed (`wip` is live).")
    overall: FlowSlice
    by_source: list[FlowSlice]


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile of ``values``, or ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return round(ordered[rank - 1], 2)


def _distribution(values: list[float]) -> Distribution:
    return Distribution(
        samples=len(values), p50=percentile(values, 50), p85=percentile(values, 85), p95=percentile(values, 95)
    )


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86_400


def _week(day: date) -> str:
    return (day - timedelta(days=day.weekday())).isoformat()


class _Samples:
    def __init__(self) -> None:
        self.lead: list[float] = []
        self.cycle: list[float] = []
        self.pickup: list[float] = []
        self.weeks: dict[str, int] = defaultdict(int)


def compute_flow(session: Session, scope: Sequence[ColumnElement[bool]], *, now: datetime, weeks: int) -> FlowMetrics:
    """Flow for items matching ``scope`` that reached done in the last ``weeks`` weeks."""
    since = now - timedelta(weeks=weeks)
    finished = dict(
        session.execute(
            select(TRANSITIONS.c.work_item_id, func.max(TRANSITIONS.c.changed_at))
            .where(
                TRANSITIONS.c.field == "status",
                TRANSITIONS.c.to_category == DONE,
                TRANSITIONS.c.changed_at >= since,
                TRANSITIONS.c.changed_at <= now,
            )
            .group_by(TRANSITIONS.c.work_item_id)
        ).all()
    )
    slices: dict[str | None, _Samples] = defaultdict(_Samples)
    ids = sorted(int(i) for i in finished)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        items = session.execute(
            select(ITEMS.c.id, ITEMS.c.source, ITEMS.c.source_created_at).where(
                ITEMS.c.id.in_(chunk), ITEMS.c.status_category == DONE, *scope
            )
        ).all()
        started = dict(
            session.execute(
                select(TRANSITIONS.c.work_item_id, func.min(TRANSITIONS.c.changed_at))
                .where(
                    TRANSITIONS.c.work_item_id.in_([i.id for i in items]),
                    TRANSITIONS.c.field == "status",
                    TRANSITIONS.c.to_category == IN_PROGRESS,
                )
                .group_by(TRANSITIONS.c.work_item_id)
            ).all()
        )
        for item in items:
            done_at = finished[item.id]
            first_progress = started.get(item.id)
            for key in (None, str(item.source)):
                samples = slices[key]
                samples.weeks[_week(done_at.date())] += 1
                if item.source_created_at is not None:
                    samples.lead.append(_days(done_at - item.source_created_at))
                if first_progress is not None and first_progress <= done_at:
                    samples.cycle.append(_days(done_at - first_progress))
                    if item.source_created_at is not None:
                        samples.pickup.append(max(0.0, _days(first_progress - item.source_created_at)))
    wip = {
        str(source): int(count)
        for source, count in session.execute(
            select(ITEMS.c.source, func.count())
            .where(ITEMS.c.status_category == IN_PROGRESS, ITEMS.c.deleted_at.is_(None), *scope)
            .group_by(ITEMS.c.source)
        )
    }

    sources = sorted({s for s in slices if s is not None} | set(wip))
    trend = _wip_per_day(session, scope, wip, since=since, now=now)

    def slice_of(source: str | None) -> FlowSlice:
        samples = slices.get(source, _Samples())
        return FlowSlice(
            source=source,
            lead_time_days=_distribution(samples.lead),
            cycle_time_days=_distribution(samples.cycle),
            pickup_time_days=_distribution(samples.pickup),
            throughput_per_week=dict(sorted(samples.weeks.items())),
            wip=sum(wip.values()) if source is None else wip.get(source, 0),
            wip_per_day=trend.get(source, {}),
        )

    return FlowMetrics(
        since=since, until=now, as_of=now, overall=slice_of(None), by_source=[slice_of(s) for s in sources]
    )


def _wip_per_day(
    session: Session, scope: Sequence[ColumnElement[bool]], wip_now: dict[str, int], *, since: datetime, now: datetime
) -> dict[str | None, dict[str, int]]:
    """WIP at the end of each day of the window, per tool (and overall under ``None``).

    Items with a status change into or out of in progress in the window are followed through those changes (before
    the first one, an item is where that change took it from); every other item counts as it is now; today's value
    is the live count. One pass over the window's changes, whatever the store's size outside it.
    """
    entering = TRANSITIONS.c.to_category == IN_PROGRESS
    leaving = TRANSITIONS.c.from_category == IN_PROGRESS
    moves: dict[int, list[Any]] = defaultdict(list)
    for move in session.execute(
        select(
            TRANSITIONS.c.work_item_id,
            TRANSITIONS.c.changed_at,
            TRANSITIONS.c.from_category,
            TRANSITIONS.c.to_category,
            ITEMS.c.source,
            ITEMS.c.status_category,
        )
        .join(ITEMS, ITEMS.c.id == TRANSITIONS.c.work_item_id)
        .where(
            TRANSITIONS.c.field == "status",
            TRANSITIONS.c.changed_at > since,
            TRANSITIONS.c.changed_at <= now,
            ITEMS.c.deleted_at.is_(None),
            or_(entering, leaving),
            *scope,
        )
        .order_by(TRANSITIONS.c.work_item_id, TRANSITIONS.c.changed_at, TRANSITIONS.c.id)
    ):
        moves[int(move.work_item_id)].append(move)
    days = [since.date() + timedelta(days=n) for n in range((now.date() - since.date()).days + 1)]
    index = {day: n for n, day in enumerate(days)}
    base = dict(wip_now)
    steps: dict[str, list[int]] = defaultdict(lambda: [0] * (len(days) + 1))
    for item_moves in moves.values():
        source = str(item_moves[0].source)
        if item_moves[0].status_category == IN_PROGRESS:
            base[source] = base.get(source, 0) - 1  # followed through its changes instead
        state, held_from = item_moves[0].from_category, 0
        for move in item_moves:
            changed_on = index[move.changed_at.date()]
            if state == IN_PROGRESS:
                steps[source][held_from] += 1
                steps[source][changed_on] -= 1
            state, held_from = move.to_category, changed_on
        if state == IN_PROGRESS:
            steps[source][held_from] += 1
            steps[source][len(days)] -= 1
    trend: dict[str | None, dict[str, int]] = {}
    for source in sorted(set(base) | set(steps)):
        level, per_day = base.get(source, 0), {}
        for n, day in enumerate(days):
            level += steps[source][n] if source in steps else 0
            per_day[day.isoformat()] = max(0, level)
        per_day[days[-1].isoformat()] = wip_now.get(source, 0)
        trend[source] = per_day
    trend[None] = {day.isoformat(): sum(per_day[day.isoformat()] for per_day in trend.values()) for day in days}
    return trend


FLOW_MAX_AGE = timedelta(minutes=5)


def load_flow(
    database: Database,
    policy: Policy | None,
    *,
    team: str | None,
    source: str | None,
    now: datetime,
    weeks: int,
    visible_teams: frozenset[str] | None = None,
) -> FlowMetrics:
    """Flow for the team / tool, from a snapshot at most ``FLOW_MAX_AGE`` old, with the live WIP of the tallies
    (``visible_teams``: only those teams' items)."""
    visible = sorted(visible_teams) if visible_teams is not None else None
    scope_key = hashlib.sha256(json.dumps([team, source, visible]).encode()).hexdigest()[:32]

    def compute(session: Session) -> dict[str, Any]:
        filters = ItemFilters(team=team, source=source, visible_teams=visible_teams)
        scope = item_conditions(session, filters, policy)
        return compute_flow(session, scope, now=now, weeks=weeks).model_dump(mode="json")

    snapshot = cached_view(
        database, f"flow:{weeks}:{scope_key}", watermark=lambda _: "", compute=compute, now=now, max_age=FLOW_MAX_AGE
    )
    metrics = FlowMetrics.model_validate(snapshot.content)
    containers = None
    with database.read_session() as session:
        if team is not None:
            containers = team_containers(session, policy, team)
        if visible_teams is not None:
            allowed = teams_containers(session, policy, visible_teams)
            containers = allowed if containers is None else containers.within(allowed)
    live: dict[str, int] = defaultdict(int)
    for tally in tallies_in(read_tallies(database), scope=containers, categories=(IN_PROGRESS,), source=source):
        live[tally.source] += tally.items
    by_source = {s.source: s for s in metrics.by_source}
    for name in set(live) - set(by_source):
        by_source[name] = FlowSlice(
            source=name,
            lead_time_days=_distribution([]),
            cycle_time_days=_distribution([]),
            pickup_time_days=_distribution([]),
            throughput_per_week={},
            wip=0,
            wip_per_day={},
        )
    slices = [s.model_copy(update={"wip": live.get(str(s.source), 0)}) for _, s in sorted(by_source.items())]
    overall = metrics.overall.model_copy(update={"wip": sum(live.values())})
    return metrics.model_copy(update={"overall": overall, "by_source": slices})
