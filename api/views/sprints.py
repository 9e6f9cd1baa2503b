"""Sprints: what was committed at the start, what was added after (R09's grace), progress and carry-over."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, select
from sqlmodel import Session

from api.views.keyset import Cursor, SortKey, read_page
from core.policy import Policy, RulesPolicy
from models.enums import SprintState, StatusCategory
from models.tables import CONNECTIONS, CONTAINERS, ITEMS, MEMBERSHIPS, SPRINTS

__all__ = ["SPRINT_SORT", "SprintPage", "SprintPublic", "grace_of", "read_sprint_page"]

SPRINT_SORT = SortKey("-id", SPRINTS.c.id, "int", descending=True, nullable=False)
DONE = str(StatusCategory.DONE)


class SprintPublic(BaseModel):
    """A sprint with its scope: committed at the start vs added later, progress, and carried-over items."""

    id: int
    connection: str
    name: str = Field(examples=["PAY Sprint 14"])
    state: str = Field(examples=["active"])
    board: str | None = Field(description="The board the sprint belongs to.")
    goal: str | None
    start_at: datetime | None
    end_at: datetime | None
    complete_at: datetime | None
    total_items: int = Field(description="Items in the sprint now (not removed, not tombstoned).")
    total_points: float
    committed_items: int = Field(description="Items that joined before the start plus the grace period (24 h).")
    committed_points: float
    added_items: int = Field(description="Items that joined after the start plus the grace period (scope added).")
    added_points: float
    removed_items: int = Field(description="Items taken out of the sprint.")
    done_items: int
    done_points: float
    progress_percent: float = Field(description="Done items as a share of the items in the sprint.")
    added_percent: float = Field(description="Added items as a share of the committed items.")
    carried_over_items: int = Field(description="Items that were already in an earlier closed sprint.")


class SprintPage(BaseModel):
    """A page of sprints, newest first; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[SprintPublic]
    next_cursor: str | None


@dataclass
class _Tally:
    total: int = 0
    total_points: float = 0.0
    committed: int = 0
    committed_points: float = 0.0
    added: int = 0
    added_points: float = 0.0
    removed: int = 0
    done: int = 0
    done_points: float = 0.0
    carried: int = 0


def grace_of(policy: Policy | None) -> timedelta:
    """Additions within this time of the start count as planning (R09's ``grace_hours``)."""
    rules = policy.rules if policy is not None else RulesPolicy()
    return timedelta(hours=rules.r09.grace_hours)


def _tallies(session: Session, sprints: Sequence[Any], grace: timedelta) -> dict[int, _Tally]:
    ids = [int(s["id"]) for s in sprints]
    starts = {int(s["id"]): s["start_at"] for s in sprints}
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    members = session.execute(
        select(
            MEMBERSHIPS.c.sprint_id,
            MEMBERSHIPS.c.work_item_id,
            MEMBERSHIPS.c.added_at,
            MEMBERSHIPS.c.removed_at,
            ITEMS.c.status_category,
            ITEMS.c.estimate,
        )
        .join(ITEMS, ITEMS.c.id == MEMBERSHIPS.c.work_item_id)
        .where(MEMBERSHIPS.c.sprint_id.in_(ids), ITEMS.c.deleted_at.is_(None))
    ).all()
    item_ids = sorted({int(m.work_item_id) for m in members})
    earlier: dict[int, list[datetime | None]] = defaultdict(list)
    for chunk in range(0, len(item_ids), 1_000):
        for item_id, start in session.execute(
            select(MEMBERSHIPS.c.work_item_id, SPRINTS.c.start_at)
            .join(SPRINTS, SPRINTS.c.id == MEMBERSHIPS.c.sprint_id)
            .where(
                MEMBERSHIPS.c.work_item_id.in_(item_ids[chunk : chunk + 1_000]),
                SPRINTS.c.state == str(SprintState.CLOSED),
            )
        ):
            earlier[int(item_id)].append(start)
    for m in members:
        tally = tallies[int(m.sprint_id)]
        if m.removed_at is not None:
            tally.removed += 1
            continue
        points = float(m.estimate or 0)
        start = starts[int(m.sprint_id)]
        tally.total += 1
        tally.total_points += points
        if start is not None and m.added_at is not None and m.added_at > start + grace:
            tally.added += 1
            tally.added_points += points
        else:
            tally.committed += 1
            tally.committed_points += points
        if m.status_category == DONE:
            tally.done += 1
            tally.done_points += points
        if any(s is not None and start is not None and s < start for s in earlier.get(int(m.work_item_id), [])):
            tally.carried += 1
    return tallies


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def read_sprint_page(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    *,
    limit: int,
    cursor: Cursor | None,
    grace: timedelta,
) -> tuple[list[SprintPublic], Cursor | None]:
    """One page of sprints with their scope figures."""
    query = (
        select(SPRINTS, CONNECTIONS.c.name.label("connection"), CONTAINERS.c.name.label("board"))
        .join(CONNECTIONS, CONNECTIONS.c.id == SPRINTS.c.connection_id)
        .outerjoin(CONTAINERS, CONTAINERS.c.id == SPRINTS.c.board_container_id)
        .where(and_(*where) if where else SPRINTS.c.id.is_not(None))
    )
    rows, next_cursor = read_page(session, query, SPRINT_SORT, SPRINTS.c.id, limit=limit, cursor=cursor)
    sprints = [r._mapping for r in rows]
    tallies = _tallies(session, sprints, grace)
    page = []
    for s in sprints:
        t = tallies.get(int(s["id"]), _Tally())
        page.append(
            SprintPublic(
                id=int(s["id"]),
                connection=s["connection"],
                name=s["name"],
                state=s["state"],
                board=s["board"],
                goal=s["goal"],
                start_at=s["start_at"],
                end_at=s["end_at"],
                complete_at=s["complete_at"],
                total_items=t.total,
                total_points=t.total_points,
                committed_items=t.committed,
                committed_points=t.committed_points,
                added_items=t.added,
                added_points=t.added_points,
                removed_items=t.removed,
                done_items=t.done,
                done_points=t.done_points,
                progress_percent=_percent(t.done, t.total),
                added_percent=_percent(t.added, t.committed),
                carried_over_items=t.carried,
            )
        )
    return page, next_cursor
