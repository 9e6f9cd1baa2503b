"""Flow metrics (rules.md): lead, cycle and pickup time percentiles, weekly throughput and daily WIP, per team
and per tool.

- lead time: created -> final done; cycle time: first in progress -> final done; pickup time: created -> first in
  progress (items that never were in progress are left out, not counted as zero). Durations are over items whose
  final done (pickup: first start) falls in the window.
- throughput: items entering their final done per ISO week (Monday first).
- WIP: items in an in-progress status at the end of each day (UTC; today: at ``now``).
Percentiles are nearest-rank. The per-item functions are pure; ``compute_flow_metrics`` streams the store.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from core.policy import Policy
from models.db import Database
from models.enums import StatusCategory
from sync.rule_inputs import RuleItem, load_organisation, read_rule_items

__all__ = [
    "FlowMetrics",
    "FlowTimes",
    "Percentiles",
    "compute_flow_metrics",
    "daily_wip",
    "in_progress_spells",
    "item_flow_times",
    "percentiles",
    "weekly_throughput",
]

ALL = "*"


@dataclass(frozen=True, slots=True)
class FlowTimes:
    """One item's flow times in seconds (None when not applicable) and its final done time."""

    lead: float | None
    cycle: float | None
    pickup: float | None
    started_at: datetime | None
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class Percentiles:
    """50th / 85th / 95th percentiles (nearest rank) of a sample, in days."""

    count: int
    p50: float | None
    p85: float | None
    p95: float | None


def _final_done(item: RuleItem) -> datetime | None:
    if item.status_category is not StatusCategory.DONE:
        return None
    if item.resolved_at is not None:
        return item.resolved_at
    entered = [c.at for c in item.status_changes() if c.to_category is StatusCategory.DONE]
    return entered[-1] if entered else None


def item_flow_times(item: RuleItem) -> FlowTimes:
    """Lead, cycle and pickup time of one item from its history."""
    started = next((c.at for c in item.status_changes() if c.to_category is StatusCategory.IN_PROGRESS), None)
    if started is None and item.status_category is StatusCategory.IN_PROGRESS:
        started = item.created_at
    done = _final_done(item)
    created = item.created_at
    lead = (done - created).total_seconds() if done and created else None
    cycle = (done - started).total_seconds() if done and started else None
    pickup = (started - created).total_seconds() if started and created else None
    return FlowTimes(lead, cycle, pickup, started, done)


def in_progress_spells(item: RuleItem, now: datetime) -> list[tuple[datetime, datetime]]:
    """The [start, end) intervals the item spent in an in-progress status (the open one ends at ``now``)."""
    spells: list[tuple[datetime, datetime]] = []
    start: datetime | None = None
    previous: StatusCategory | None = None
    for change in item.status_changes():
        if change.to_category is StatusCategory.IN_PROGRESS and previous is not StatusCategory.IN_PROGRESS:
            start = change.at
        elif change.to_category is not StatusCategory.IN_PROGRESS and start is not None:
            spells.append((start, change.at))
            start = None
        previous = change.to_category
    if start is None and previous is None and item.status_category is StatusCategory.IN_PROGRESS:
        start = item.created_at
    if start is not None and item.status_category is StatusCategory.IN_PROGRESS:
        spells.append((start, now))
    return spells


def percentiles(seconds: Iterable[float]) -> Percentiles:
    """Nearest-rank 50/85/95th percentiles of durations given in seconds, reported in days."""
    values = sorted(seconds)
    if not values:
        return Percentiles(0, None, None, None)

    def rank(p: float) -> float:
        return round(values[max(0, math.ceil(p / 100 * len(values)) - 1)] / 86_400, 3)

    return Percentiles(len(values), rank(50), rank(85), rank(95))


def weekly_throughput(done_times: Iterable[datetime], since: datetime, now: datetime) -> list[tuple[date, int]]:
    """Items entering final done per ISO week (Monday), every week from ``since`` to ``now`` listed."""
    first = since.date() - timedelta(days=since.weekday())
    counts: dict[date, int] = defaultdict(int)
    for moment in done_times:
        if since <= moment <= now:
            counts[moment.date() - timedelta(days=moment.weekday())] += 1
    weeks = []
    week = first
    while week <= now.date():
        weeks.append((week, counts.get(week, 0)))
        week += timedelta(days=7)
    return weeks


def daily_wip(spells: Iterable[tuple[datetime, datetime]], since: datetime, now: datetime) -> list[tuple[date, int]]:
    """Items in progress at the end of each day (UTC) from ``since`` to today (today: at ``now``)."""
    days: list[date] = []
    day = since.date()
    while day <= now.date():
        days.append(day)
        day += timedelta(days=1)
    moments = [min(datetime.combine(d + timedelta(days=1), time(), tzinfo=now.tzinfo), now) for d in days]
    counts = [0] * len(days)
    for start, end in spells:
        for index, moment in enumerate(moments):
            if start <= moment < end or (start <= moment and end == now and moment == now):
                counts[index] += 1
    return list(zip(days, counts, strict=True))


@dataclass
class FlowMetrics:
    """The flow metrics of one group (a team, a tool, or everything)."""

    team: str
    tool: str
    lead: Percentiles
    cycle: Percentiles
    pickup: Percentiles
    throughput: list[tuple[date, int]] = field(default_factory=list)
    wip: list[tuple[date, int]] = field(default_factory=list)


@dataclass
class _Samples:
    lead: list[float] = field(default_factory=list)
    cycle: list[float] = field(default_factory=list)
    pickup: list[float] = field(default_factory=list)
    done: list[datetime] = field(default_factory=list)
    wip: list[int] = field(default_factory=list)


def _groups(item: RuleItem) -> Sequence[tuple[str, str]]:
    team = item.team or "(no team)"
    return ((team, ALL), (ALL, item.source.value), (ALL, ALL))


def compute_flow_metrics(
    database: Database, policy: Policy, now: datetime, *, window_days: int = 90, batch_size: int = 1_000
) -> list[FlowMetrics]:
    """Flow metrics per team (tool ``*``), per tool (team ``*``) and overall, over the last ``window_days``."""
    since = now - timedelta(days=window_days)
    organisation = load_organisation(database, policy)
    days = (now.date() - since.date()).days + 1
    samples: dict[tuple[str, str], _Samples] = defaultdict(lambda: _Samples(wip=[0] * days))
    for batch in read_rule_items(database, organisation, batch_size=batch_size, full=False):
        for item in batch:
            times = item_flow_times(item)
            spells = [s for s in in_progress_spells(item, now) if s[1] >= since]
            wip = daily_wip(spells, since, now) if spells else []
            for group in _groups(item):
                bucket = samples[group]
                if times.done_at is not None and since <= times.done_at <= now:
                    bucket.done.append(times.done_at)
                    if times.lead is not None:
                        bucket.lead.append(times.lead)
                    if times.cycle is not None:
                        bucket.cycle.append(times.cycle)
                if times.pickup is not None and times.started_at is not None and since <= times.started_at <= now:
                    bucket.pickup.append(times.pickup)
                for index, (_, count) in enumerate(wip):
                    bucket.wip[index] += count
    day_list = [since.date() + timedelta(days=i) for i in range(days)]
    return [
        FlowMetrics(
            team=team,
            tool=tool,
            lead=percentiles(bucket.lead),
            cycle=percentiles(bucket.cycle),
            pickup=percentiles(bucket.pickup),
            throughput=weekly_throughput(bucket.done, since, now),
            wip=list(zip(day_list, bucket.wip, strict=True)),
        )
        for (team, tool), bucket in sorted(samples.items())
    ]
