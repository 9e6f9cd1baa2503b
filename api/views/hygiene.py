"""Hygiene score per team and per container, with its trend over the daily snapshots.

score = 100 - 100 * sum(weight of each open item's most severe open finding) / (open items * the highest weight).
Snoozed findings do not count: a team acknowledged them.

Open items per container come from the live tallies (``item_tally``); the finding weights per container are a
snapshot (``view_snapshot``) recomputed when a finding is opened, refreshed or resolved, when a snooze starts, ends
or expires, and at least hourly. Each day's scores are kept in ``hygiene_snapshot`` (written by
:func:`record_hygiene_snapshot` from the sweep, or on the first request of a day), which gives the trend.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from api.views.items import OPEN_CATEGORIES
from api.views.snapshots import Snapshot, cached_view, drop_snapshots, findings_watermark
from api.views.tallies import read_tallies, tallies_in
from api.views.teams import container_teams
from core.policy import Hygiene, Policy, Severity
from models.db import Database
from models.tables import CONTAINERS, FINDINGS, ITEMS, table_of
from models.view_summary import HygieneSnapshot
from sync.upsert import dialect_insert

__all__ = [
    "FLAGGED_KEY_PREFIX",
    "HygienePoint",
    "HygieneReport",
    "HygieneScore",
    "compute_hygiene",
    "forget_finding_weights",
    "record_hygiene_snapshot",
]

HYGIENE_SNAPSHOT = table_of(HygieneSnapshot)
FLAGGED_KEY_PREFIX = "hygiene-findings:"
FLAGGED_MAX_AGE = timedelta(hours=1)
Scope = Literal["team", "container"]


class HygienePoint(BaseModel):
    """A day's score."""

    date: date
    score: float


class HygieneScore(BaseModel):
    """One team's or container's score now, and how it moved."""

    scope: Scope
    name: str = Field(examples=["payments"])
    container_id: int | None = Field(description="Set when the scope is a container.")
    team: str | None
    open_items: int
    items_with_findings: int
    score: float = Field(ge=0, le=100, examples=[87.5])
    previous_score: float | None = Field(
        description="The score of the most recent earlier day with a snapshot (`null` when none).", examples=[84.0]
    )
    change: float | None = Field(description="`score - previous_score`: positive is better.", examples=[3.5])
    history: list[HygienePoint] = Field(description="Earlier daily scores in the trend window, oldest first.")


class HygieneReport(BaseModel):
    """Scores now with their trend, and the weights used."""

    generated_at: datetime
    findings_as_of: datetime = Field(description="When the finding weights were last read from the findings.")
    weights: dict[str, float] = Field(examples=[{"info": 0, "low": 1, "medium": 2, "high": 4}])
    trend_days: int = Field(description="How many earlier days `history` covers.")
    scores: list[HygieneScore]


def _score(weighted: float, open_items: int, top_weight: float) -> float:
    if open_items == 0 or top_weight <= 0:
        return 100.0
    return round(max(0.0, 100.0 - 100.0 * weighted / (open_items * top_weight)), 1)


def _flagged_per_container(session: Session, weights: dict[str, float], now: datetime) -> dict[str, Any]:
    """(items with findings, summed weight) per container, and when the earliest snooze in force ends."""
    weight = case(*((FINDINGS.c.severity == name, w) for name, w in weights.items()), else_=weights["medium"])
    per_item = (
        select(ITEMS.c.container_id.label("container_id"), func.max(weight).label("w"))
        .join(FINDINGS, FINDINGS.c.work_item_id == ITEMS.c.id)
        .where(
            FINDINGS.c.resolved_at.is_(None),
            or_(FINDINGS.c.snoozed_until.is_(None), FINDINGS.c.snoozed_until <= now),
            ITEMS.c.container_id.is_not(None),
            ITEMS.c.status_category.in_(OPEN_CATEGORIES),
            ITEMS.c.deleted_at.is_(None),
        )
        .group_by(ITEMS.c.container_id, ITEMS.c.id)
        .subquery()
    )
    flagged = {
        str(c): [int(n), float(w or 0)]
        for c, n, w in session.execute(
            select(per_item.c.container_id, func.count(), func.sum(per_item.c.w)).group_by(per_item.c.container_id)
        )
    }
    snooze_ends = session.execute(
        select(func.min(FINDINGS.c.snoozed_until)).where(
            FINDINGS.c.resolved_at.is_(None), FINDINGS.c.snoozed_until > now
        )
    ).scalar_one_or_none()
    return {"flagged": flagged, "snooze_ends": snooze_ends.isoformat() if snooze_ends is not None else None}


def forget_finding_weights(database: Database) -> None:
    """Drop the finding-weight snapshots (after a snooze changed which findings count)."""
    drop_snapshots(database, FLAGGED_KEY_PREFIX)


def _finding_weights(database: Database, weights: dict[str, float], now: datetime) -> Snapshot:
    def still_valid(snapshot: Snapshot) -> bool:
        ends = snapshot.content.get("snooze_ends")
        return ends is None or now < datetime.fromisoformat(ends)

    return cached_view(
        database,
        FLAGGED_KEY_PREFIX + json.dumps(weights, sort_keys=True),
        watermark=findings_watermark,
        compute=lambda session: _flagged_per_container(session, weights, now),
        now=now,
        max_age=FLAGGED_MAX_AGE,
        still_valid=still_valid,
    )


def _current_scores(
    database: Database, policy: Policy | None, by: Scope, now: datetime
) -> tuple[list[HygieneScore], dict[str, float], datetime]:
    hygiene = policy.hygiene if policy is not None else Hygiene()
    weights = {str(s): hygiene.weights.weight(s) for s in Severity}
    top = max(weights.values())
    open_counts: dict[int, int] = defaultdict(int)
    for group in tallies_in(read_tallies(database), categories=OPEN_CATEGORIES):
        if group.container_id is not None:
            open_counts[group.container_id] += group.items
    snapshot = _finding_weights(database, weights, now)
    flagged = {int(c): (int(n), float(w)) for c, (n, w) in snapshot.content["flagged"].items()}
    ids = sorted({c for c, n in open_counts.items() if n > 0} | set(flagged))
    with database.read_session() as session:
        names = dict(session.execute(select(CONTAINERS.c.id, CONTAINERS.c.name).where(CONTAINERS.c.id.in_(ids))).all())
        owners = container_teams(session, policy, ids)
    scores: list[HygieneScore] = []
    if by == "container":
        for container_id in ids:
            n, w = flagged.get(container_id, (0, 0.0))
            total = open_counts.get(container_id, 0)
            scores.append(
                HygieneScore(
                    scope="container",
                    name=str(names.get(container_id, container_id)),
                    container_id=container_id,
                    team=owners.get(container_id),
                    open_items=total,
                    items_with_findings=n,
                    score=_score(w, total, top),
                    previous_score=None,
                    change=None,
                    history=[],
                )
            )
    else:
        teams: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for container_id in ids:
            team = owners.get(container_id)
            if team is None:
                continue
            n, w = flagged.get(container_id, (0, 0.0))
            sums = teams[team]
            sums[0] += open_counts.get(container_id, 0)
            sums[1] += n
            sums[2] += w
        for team, (open_total, with_findings, weighted) in sorted(teams.items()):
            scores.append(
                HygieneScore(
                    scope="team",
                    name=team,
                    container_id=None,
                    team=team,
                    open_items=int(open_total),
                    items_with_findings=int(with_findings),
                    score=_score(weighted, int(open_total), top),
                    previous_score=None,
                    change=None,
                    history=[],
                )
            )
    return scores, weights, snapshot.computed_at


def _snapshot_name(score: HygieneScore) -> str:
    return str(score.container_id) if score.scope == "container" else score.name


def _write_day(database: Database, day: date, scores: Collection[HygieneScore], now: datetime) -> None:
    rows = [
        {
            "snapshot_date": day,
            "scope": s.scope,
            "name": _snapshot_name(s),
            "open_items": s.open_items,
            "items_with_findings": s.items_with_findings,
            "score": s.score,
            "computed_at": now,
        }
        for s in scores
    ]
    if not rows:
        return
    statement = dialect_insert(database.dialect, HYGIENE_SNAPSHOT)
    statement = statement.on_conflict_do_update(
        index_elements=[HYGIENE_SNAPSHOT.c.snapshot_date, HYGIENE_SNAPSHOT.c.scope, HYGIENE_SNAPSHOT.c.name],
        set_={
            "open_items": statement.excluded.open_items,
            "items_with_findings": statement.excluded.items_with_findings,
            "score": statement.excluded.score,
            "computed_at": statement.excluded.computed_at,
        },
    )
    with database.session() as session:
        session.execute(statement, rows)
        session.commit()


def record_hygiene_snapshot(database: Database, policy: Policy | None, now: datetime) -> int:
    """Store today's scores (UTC day of ``now``) for teams and containers, replacing earlier ones of the same day;
    for the sweep and the nightly report. Returns the rows written."""
    written = 0
    for by in ("team", "container"):
        scores, _, _ = _current_scores(database, policy, by, now)
        _write_day(database, now.date(), scores, now)
        written += len(scores)
    return written


def _has_day(session: Session, day: date, by: Scope) -> bool:
    found = session.execute(
        select(HYGIENE_SNAPSHOT.c.id)
        .where(HYGIENE_SNAPSHOT.c.snapshot_date == day, HYGIENE_SNAPSHOT.c.scope == by)
        .limit(1)
    ).first()
    return found is not None


def _history(session: Session, by: Scope, today: date, days: int) -> dict[str, list[HygienePoint]]:
    history: dict[str, list[HygienePoint]] = defaultdict(list)
    for name, day, score in session.execute(
        select(HYGIENE_SNAPSHOT.c.name, HYGIENE_SNAPSHOT.c.snapshot_date, HYGIENE_SNAPSHOT.c.score)
        .where(
            HYGIENE_SNAPSHOT.c.scope == by,
            HYGIENE_SNAPSHOT.c.snapshot_date < today,
            HYGIENE_SNAPSHOT.c.snapshot_date >= today - timedelta(days=days),
        )
        .order_by(HYGIENE_SNAPSHOT.c.snapshot_date)
    ):
        history[str(name)].append(HygienePoint(date=day, score=float(score)))
    return history


def compute_hygiene(
    database: Database, policy: Policy | None, *, by: Scope, now: datetime, trend_days: int = 30
) -> HygieneReport:
    """Scores per team (containers grouped by owner) or per container, each with its earlier daily scores.

    The first request of a (UTC) day stores that day's snapshot when the sweep has not.
    """
    scores, weights, findings_as_of = _current_scores(database, policy, by, now)
    today = now.date()
    with database.read_session() as session:
        recorded_today = _has_day(session, today, by)
        history = _history(session, by, today, trend_days)
    if not recorded_today:
        _write_day(database, today, scores, now)
    trended = []
    for s in scores:
        points = history.get(_snapshot_name(s), [])
        previous = points[-1].score if points else None
        trended.append(
            s.model_copy(
                update={
                    "previous_score": previous,
                    "change": round(s.score - previous, 1) if previous is not None else None,
                    "history": points,
                }
            )
        )
    return HygieneReport(
        generated_at=now, findings_as_of=findings_as_of, weights=weights, trend_days=trend_days, scores=trended
    )
