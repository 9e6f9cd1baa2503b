"""The report's store queries: aggregates computed in SQL, or streamed row by row, never all items in memory.

Every function takes the snapshot's session (see :mod:`reporting.snapshot`) so one report reads one snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from core.policy import Severity
from core.policy.hygiene import SeverityWeights
from models.tables import CONNECTIONS, FINDINGS, ITEMS, MEMBERSHIPS, REPORTS, SPRINTS, TRANSITIONS

__all__ = [
    "HygieneGroup",
    "SprintCounts",
    "count_open_findings",
    "findings_delta",
    "group_counts",
    "hygiene_groups",
    "oldest_open_findings",
    "open_findings",
    "open_health_findings",
    "previous_report",
    "read_connections",
    "sprint_counts",
    "stream_done_items",
    "stream_wip_changes",
    "wip_now",
]

_STREAM = 5_000


def _visible(until: datetime) -> Any:
    """Open, and not snoozed past ``until``."""
    return and_(
        FINDINGS.c.resolved_at.is_(None),
        or_(FINDINGS.c.snoozed_until.is_(None), FINDINGS.c.snoozed_until <= until),
    )


def _team_filter(team: str | None) -> Any:
    return literal(True) if team is None else FINDINGS.c.team == team


@dataclass(frozen=True, slots=True)
class HygieneGroup:
    """Live items grouped by where they sit and their status, with their open-finding weights summed."""

    connection_id: int
    container_id: int | None
    subcontainer_id: int | None
    status_raw: str
    status_category: str
    items: int
    weighted: float
    flagged: int


def hygiene_groups(session: Session, weights: SeverityWeights, until: datetime) -> list[HygieneGroup]:
    """One row per (connection, container, sub-container, status): item count, summed weight of each item's most
    severe open finding, and how many items have one. Few rows (containers x statuses), whatever the store size."""
    weight = case(
        *((FINDINGS.c.severity == severity.value, literal(weights.weight(severity))) for severity in Severity),
        else_=literal(0.0),
    )
    per_item = (
        select(FINDINGS.c.work_item_id.label("item_id"), func.max(weight).label("weight"))
        .where(_visible(until), FINDINGS.c.work_item_id.is_not(None))
        .group_by(FINDINGS.c.work_item_id)
        .subquery()
    )
    columns = (
        ITEMS.c.connection_id,
        ITEMS.c.container_id,
        ITEMS.c.subcontainer_id,
        ITEMS.c.status_raw,
        ITEMS.c.status_category,
    )
    query = (
        select(
            *columns,
            func.count().label("items"),
            func.coalesce(func.sum(per_item.c.weight), 0.0).label("weighted"),
            func.coalesce(func.sum(case((per_item.c.weight > 0, 1), else_=0)), 0).label("flagged"),
        )
        .select_from(ITEMS.outerjoin(per_item, per_item.c.item_id == ITEMS.c.id))
        .where(ITEMS.c.deleted_at.is_(None))
        .group_by(*columns)
        .order_by(*columns)
    )
    return [
        HygieneGroup(
            connection_id=int(row.connection_id),
            container_id=row.container_id,
            subcontainer_id=row.subcontainer_id,
            status_raw=str(row.status_raw),
            status_category=str(row.status_category),
            items=int(row.items),
            weighted=float(row.weighted),
            flagged=int(row.flagged),
        )
        for row in session.execute(query)
    ]


def count_open_findings(session: Session, until: datetime, team: str | None) -> int:
    """Open (not snoozed) findings, of every rule."""
    query = select(func.count()).select_from(FINDINGS).where(_visible(until), _team_filter(team))
    return int(session.execute(query).scalar_one())


def findings_delta(
    session: Session, since: datetime, until: datetime, team: str | None
) -> tuple[dict[str, int], dict[str, int]]:
    """Findings first seen, and findings resolved, in (since, until], per rule."""

    def per_rule(column: Any) -> dict[str, int]:
        query = (
            select(FINDINGS.c.rule_id, func.count())
            .where(column > since, column <= until, _team_filter(team))
            .group_by(FINDINGS.c.rule_id)
            .order_by(FINDINGS.c.rule_id)
        )
        return {str(rule): int(count) for rule, count in session.execute(query)}

    return per_rule(FINDINGS.c.first_seen_at), per_rule(FINDINGS.c.resolved_at)


def oldest_open_findings(
    session: Session, until: datetime, team: str | None, per_rule: int
) -> tuple[dict[str, int], list[Any]]:
    """(open findings per rule, the ``per_rule`` oldest of each rule), with a window function in SQL."""
    counts = {
        str(rule): int(count)
        for rule, count in session.execute(
            select(FINDINGS.c.rule_id, func.count())
            .where(_visible(until), _team_filter(team))
            .group_by(FINDINGS.c.rule_id)
        )
    }
    rank = (
        func.row_number()
        .over(partition_by=FINDINGS.c.rule_id, order_by=(FINDINGS.c.first_seen_at, FINDINGS.c.id))
        .label("rank")
    )
    ranked = select(*_FINDING_COLUMNS, rank).where(_visible(until), _team_filter(team)).subquery()
    rows = session.execute(
        select(ranked).where(ranked.c.rank <= per_rule).order_by(ranked.c.rule_id, ranked.c.rank)
    ).all()
    return counts, list(rows)


_FINDING_COLUMNS = (
    FINDINGS.c.id,
    FINDINGS.c.rule_id,
    FINDINGS.c.team,
    FINDINGS.c.severity,
    FINDINGS.c.message,
    FINDINGS.c.url,
    FINDINGS.c.first_seen_at,
)


def open_findings(
    session: Session, rule_ids: Sequence[str], until: datetime, team: str | None, limit: int
) -> tuple[int, list[Any]]:
    """(how many open findings these rules have, the ``limit`` oldest)."""
    where = (FINDINGS.c.rule_id.in_(sorted(rule_ids)), _visible(until), _team_filter(team))
    total = int(session.execute(select(func.count()).select_from(FINDINGS).where(*where)).scalar_one())
    rows = session.execute(
        select(*_FINDING_COLUMNS).where(*where).order_by(FINDINGS.c.first_seen_at, FINDINGS.c.id).limit(limit)
    ).all()
    return total, list(rows)


def open_health_findings(session: Session, until: datetime, limit: int) -> list[Any]:
    """Open sync-health findings (``SH*``), oldest first, whatever the team scope."""
    return list(
        session.execute(
            select(*_FINDING_COLUMNS)
            .where(FINDINGS.c.rule_id.like("SH%"), _visible(until))
            .order_by(FINDINGS.c.first_seen_at, FINDINGS.c.id)
            .limit(limit)
        )
    )


def read_connections(session: Session) -> list[Any]:
    """Every connection with its last successful sync."""
    query = select(CONNECTIONS.c.name, CONNECTIONS.c.vendor, CONNECTIONS.c.enabled, CONNECTIONS.c.last_success_at)
    return list(session.execute(query.order_by(CONNECTIONS.c.name)))


def previous_report(session: Session, report_date: Any, team_scope: str) -> Any | None:
    """The newest stored report of this scope dated before ``report_date`` (date, content), or None."""
    return session.execute(
        select(REPORTS.c.report_date, REPORTS.c.content_json)
        .where(REPORTS.c.team_scope == team_scope, REPORTS.c.report_date < report_date)
        .order_by(REPORTS.c.report_date.desc())
        .limit(1)
    ).one_or_none()


@dataclass(frozen=True, slots=True)
class SprintCounts:
    """An active sprint's membership counts."""

    sprint_id: int
    name: str
    connection: str
    board_container_id: int | None
    item_container_id: int | None
    start_at: datetime | None
    end_at: datetime | None
    items: int
    committed: int
    added_later: int
    carried_over: int


def sprint_counts(session: Session, grace: timedelta) -> list[SprintCounts]:
    """Per active sprint: live items in it, those there within ``grace`` of its start, those added later, and those
    that sat in an earlier closed sprint (carry-over)."""
    earlier = MEMBERSHIPS.alias("earlier")
    closed = SPRINTS.alias("closed_sprint")
    carried = (
        select(literal(1))
        .select_from(earlier.join(closed, closed.c.id == earlier.c.sprint_id))
        .where(
            earlier.c.work_item_id == MEMBERSHIPS.c.work_item_id,
            earlier.c.sprint_id != MEMBERSHIPS.c.sprint_id,
            closed.c.state == "closed",
        )
        .exists()
    )
    query = (
        select(
            SPRINTS.c.id,
            SPRINTS.c.name,
            CONNECTIONS.c.name.label("connection"),
            SPRINTS.c.board_container_id,
            SPRINTS.c.start_at,
            SPRINTS.c.end_at,
            func.count(MEMBERSHIPS.c.id).label("items"),
            func.min(ITEMS.c.container_id).label("item_container"),
            func.coalesce(func.sum(case((carried, 1), else_=0)), 0).label("carried"),
        )
        .select_from(
            SPRINTS.join(CONNECTIONS, CONNECTIONS.c.id == SPRINTS.c.connection_id)
            .outerjoin(MEMBERSHIPS, and_(MEMBERSHIPS.c.sprint_id == SPRINTS.c.id, MEMBERSHIPS.c.removed_at.is_(None)))
            .outerjoin(ITEMS, ITEMS.c.id == MEMBERSHIPS.c.work_item_id)
        )
        .where(SPRINTS.c.state == "active", or_(MEMBERSHIPS.c.id.is_(None), ITEMS.c.deleted_at.is_(None)))
        .group_by(
            SPRINTS.c.id,
            SPRINTS.c.name,
            CONNECTIONS.c.name,
            SPRINTS.c.board_container_id,
            SPRINTS.c.start_at,
            SPRINTS.c.end_at,
        )
        .order_by(CONNECTIONS.c.name, SPRINTS.c.start_at, SPRINTS.c.id)
    )
    rows = list(session.execute(query))
    # "Added later" compares each membership to its sprint's start: a second small grouped query per dialect-free
    # expression (start + grace is computed in Python, per sprint).
    result = []
    for row in rows:
        added_later = 0
        if row.start_at is not None:
            added_later = int(
                session.execute(
                    select(func.count())
                    .select_from(MEMBERSHIPS.join(ITEMS, ITEMS.c.id == MEMBERSHIPS.c.work_item_id))
                    .where(
                        MEMBERSHIPS.c.sprint_id == row.id,
                        MEMBERSHIPS.c.removed_at.is_(None),
                        ITEMS.c.deleted_at.is_(None),
                        MEMBERSHIPS.c.added_at.is_not(None),
                        MEMBERSHIPS.c.added_at > row.start_at + grace,
                    )
                ).scalar_one()
            )
        items = int(row.items)
        result.append(
            SprintCounts(
                sprint_id=int(row.id),
                name=str(row.name),
                connection=str(row.connection),
                board_container_id=row.board_container_id,
                item_container_id=row.item_container,
                start_at=row.start_at,
                end_at=row.end_at,
                items=items,
                committed=items - added_later,
                added_later=added_later,
                carried_over=int(row.carried),
            )
        )
    return result


def stream_done_items(session: Session, since: datetime, until: datetime) -> Iterator[Any]:
    """Live done items whose final done (resolution time, else the last move to done) may fall in [since, until]:
    rows of (container_id, subcontainer_id, done_at, started_at), streamed."""
    done_moves = (
        select(TRANSITIONS.c.work_item_id.label("item_id"), func.max(TRANSITIONS.c.changed_at).label("moved"))
        .where(
            TRANSITIONS.c.field == "status",
            TRANSITIONS.c.to_category == "done",
            TRANSITIONS.c.changed_at >= since,
        )
        .group_by(TRANSITIONS.c.work_item_id)
        .subquery()
    )
    started = (
        select(func.min(TRANSITIONS.c.changed_at))
        .where(
            TRANSITIONS.c.work_item_id == ITEMS.c.id,
            TRANSITIONS.c.field == "status",
            TRANSITIONS.c.to_category == "in_progress",
        )
        .scalar_subquery()
    )
    query = (
        select(
            ITEMS.c.container_id,
            ITEMS.c.subcontainer_id,
            ITEMS.c.resolved_at,
            done_moves.c.moved,
            started.label("started_at"),
        )
        .select_from(ITEMS.outerjoin(done_moves, done_moves.c.item_id == ITEMS.c.id))
        .where(
            ITEMS.c.deleted_at.is_(None),
            ITEMS.c.status_category == "done",
            or_(and_(ITEMS.c.resolved_at >= since, ITEMS.c.resolved_at <= until), done_moves.c.moved.is_not(None)),
        )
    )
    yield from session.execute(query.execution_options(yield_per=_STREAM))


def wip_now(session: Session) -> list[Any]:
    """Live in-progress items per (container, sub-container)."""
    query = (
        select(ITEMS.c.container_id, ITEMS.c.subcontainer_id, func.count().label("items"))
        .where(ITEMS.c.deleted_at.is_(None), ITEMS.c.status_category == "in_progress")
        .group_by(ITEMS.c.container_id, ITEMS.c.subcontainer_id)
    )
    return list(session.execute(query))


def stream_wip_changes(session: Session, since: datetime) -> Iterator[Any]:
    """Status changes into or out of progress after ``since`` (of live items): rows of (container_id,
    subcontainer_id, changed_at, delta) with delta +1 (started) or -1 (left progress), streamed."""
    entered = and_(
        TRANSITIONS.c.to_category == "in_progress", TRANSITIONS.c.from_category.is_distinct_from("in_progress")
    )
    left = and_(TRANSITIONS.c.from_category == "in_progress", TRANSITIONS.c.to_category.is_distinct_from("in_progress"))
    query = (
        select(
            ITEMS.c.container_id,
            ITEMS.c.subcontainer_id,
            TRANSITIONS.c.changed_at,
            case((entered, 1), else_=-1).label("delta"),
        )
        .select_from(TRANSITIONS.join(ITEMS, ITEMS.c.id == TRANSITIONS.c.work_item_id))
        .where(
            TRANSITIONS.c.field == "status",
            TRANSITIONS.c.changed_at > since,
            ITEMS.c.deleted_at.is_(None),
            or_(entered, left),
        )
    )
    yield from session.execute(query.execution_options(yield_per=_STREAM))


def group_counts(rows: Sequence[Any]) -> dict[tuple[int | None, int | None], int]:
    """(container, sub-container) -> count, from grouped rows."""
    counts: dict[tuple[int | None, int | None], int] = defaultdict(int)
    for row in rows:
        counts[(row.container_id, row.subcontainer_id)] += int(row.items)
    return counts
