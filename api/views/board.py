"""A team's board across tools: columns by status category and by raw status, with WIP counts and limits."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session

from api.views.items import (
    ITEM_SORTS,
    ItemFilters,
    ItemSummary,
    item_conditions,
    item_rows,
    scope_partitions,
    summarise_items,
)
from api.views.keyset import read_page
from api.views.tallies import read_tallies, tallies_in
from api.views.teams import scope_condition, team_containers
from core.policy import Policy
from models.db import Database
from models.enums import StatusCategory
from models.tables import ITEMS

__all__ = ["BoardColumn", "StatusColumn", "TeamBoard", "load_team_board"]

CATEGORY_ORDER = [str(c) for c in StatusCategory]


class BoardColumn(BaseModel):
    """One status category across every tool the team uses."""

    category: str = Field(examples=["in_progress"])
    count: int
    estimate_total: float = Field(description="Sum of story points in the column.")
    wip_limit: int | None = Field(description="The team's limit for this category, from the policy.")
    over_limit: bool
    cards: list[ItemSummary] = Field(description="The most recently updated items in the column.")


class StatusColumn(BaseModel):
    """One raw status (Jira status, Trello list, Asana section) of one tool."""

    source: str
    status: str = Field(examples=["In Review"])
    category: str
    count: int
    wip_limit: int | None
    over_limit: bool


class TeamBoard(BaseModel):
    """The team's items as a board, across tools."""

    team: str
    generated_at: datetime
    columns: list[BoardColumn]
    statuses: list[StatusColumn]


def _limit(limits: dict[str, int], name: str) -> int | None:
    return limits.get(name)


def load_team_board(
    session: Session,
    database: Database,
    policy: Policy | None,
    team: str,
    *,
    cards_per_column: int,
    now: datetime,
) -> TeamBoard:
    """Counts per category and raw status (from the live tallies), and the newest ``cards_per_column`` cards of each
    category (a keyset page per column)."""
    containers = team_containers(session, policy, team)
    scope = [scope_condition(containers), ITEMS.c.deleted_at.is_(None)]
    limits = dict(policy.teams[team].wip_limits) if policy is not None and team in policy.teams else {}
    tallies = tallies_in(read_tallies(database), scope=containers)
    by_category: dict[str, tuple[int, float]] = defaultdict(lambda: (0, 0.0))
    by_status: dict[tuple[str, str, str], int] = defaultdict(int)
    for tally in tallies:
        count, points = by_category[tally.status_category]
        by_category[tally.status_category] = (count + tally.items, points + tally.points)
        by_status[(tally.source, tally.status_raw, tally.status_category)] += tally.items
    sort = ITEM_SORTS["-updated"]
    partitions = scope_partitions(containers)
    heads: dict[str, list[Any]] = {}
    for category in CATEGORY_ORDER:
        if by_category.get(category, (0, 0.0))[0] and cards_per_column:
            where = item_conditions(session, ItemFilters(status_categories=(category,)), policy) + scope
            rows, _ = read_page(
                session, item_rows(where), sort, ITEMS.c.id, limit=cards_per_column, cursor=None, partitions=partitions
            )
            heads[category] = [r._mapping for r in rows]
    # One summary pass (people, containers, labels, findings) for every column's cards together.
    summaries = {s.id: s for s in summarise_items(session, [r for rows in heads.values() for r in rows], policy)}
    columns = []
    for category in CATEGORY_ORDER:
        count, points = by_category.get(category, (0, 0.0))
        cards = [summaries[int(r["id"])] for r in heads.get(category, [])]
        limit = _limit(limits, category)
        columns.append(
            BoardColumn(
                category=category,
                count=count,
                estimate_total=round(points, 6),
                wip_limit=limit,
                over_limit=limit is not None and count > limit,
                cards=cards,
            )
        )
    statuses = []
    for (source, raw, category), count in by_status.items():
        if count <= 0:
            continue
        limit = _limit(limits, raw)
        statuses.append(
            StatusColumn(
                source=source,
                status=raw,
                category=category,
                count=count,
                wip_limit=limit,
                over_limit=limit is not None and count > limit,
            )
        )
    statuses.sort(
        key=lambda s: (CATEGORY_ORDER.index(s.category) if s.category in CATEGORY_ORDER else 99, s.source, s.status)
    )
    return TeamBoard(team=team, generated_at=now, columns=columns, statuses=statuses)
