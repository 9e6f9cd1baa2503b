"""Flow metrics from status history: lead, cycle and pickup time percentiles, weekly throughput, WIP.

Computed from ``transition`` rows until the rules engine stores its own: lead time is created -> final done,
cycle time first in progress -> final done, pickup time created -> first in progress (items that skipped in
progress are left out of cycle and pickup, not counted as zero). Kept small so it can be replaced.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session

from models.enums import StatusCategory
from models.tables import ITEMS, TRANSITIONS

__all__ = ["Distribution", "FlowMetrics", "FlowSlice", "compute_flow", "percentile"]

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


class FlowMetrics(BaseModel):
    """Flow over the last `weeks` weeks."""

    since: datetime
    until: datetime
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

    def slice_of(source: str | None) -> FlowSlice:
        samples = slices.get(source, _Samples())
        return FlowSlice(
            source=source,
            lead_time_days=_distribution(samples.lead),
            cycle_time_days=_distribution(samples.cycle),
            pickup_time_days=_distribution(samples.pickup),
            throughput_per_week=dict(sorted(samples.weeks.items())),
            wip=sum(wip.values()) if source is None else wip.get(source, 0),
        )

    sources = sorted({s for s in slices if s is not None} | set(wip))
    return FlowMetrics(since=since, until=now, overall=slice_of(None), by_source=[slice_of(s) for s in sources])
