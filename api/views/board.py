"""A team's board across tools: columns by status category and by raw status, with WIP counts and limits."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlmodel import Session

from api.views.items import ITEM_SORTS, ItemFilters, ItemSummary, item_conditions, read_item_page
from api.views.teams import team_scope
from core.policy import Policy
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
    session: Session, policy: Policy | None, team: str, *, cards_per_column: int, now: datetime
) -> TeamBoard:
    """Counts per category and raw status, and the newest ``cards_per_column`` cards of each category."""
    scope = [team_scope(session, policy, team), ITEMS.c.deleted_at.is_(None)]
    limits = dict(policy.teams[team].wip_limits) if policy is not None and team in policy.teams else {}
    by_category = {
        str(category): (int(count), float(points or 0))
        for category, count, points in session.execute(
            select(ITEMS.c.status_category, func.count(), func.sum(ITEMS.c.estimate))
            .where(*scope)
            .group_by(ITEMS.c.status_category)
        )
    }
    columns = []
    for category in CATEGORY_ORDER:
        count, points = by_category.get(category, (0, 0.0))
        cards: list[ItemSummary] = []
        if count and cards_per_column:
            where = item_conditions(session, ItemFilters(status_categories=(category,)), policy) + scope
            cards, _ = read_item_page(
                session, where, ITEM_SORTS["-updated"], limit=cards_per_column, cursor=None, policy=policy
            )
        limit = _limit(limits, category)
        columns.append(
            BoardColumn(
                category=category,
                count=count,
                estimate_total=points,
                wip_limit=limit,
                over_limit=limit is not None and count > limit,
                cards=cards,
            )
        )
    statuses = []
    for source, raw, category, count in session.execute(
        select(ITEMS.c.source, ITEMS.c.status_raw, ITEMS.c.status_category, func.count())
        .where(*scope)
        .group_by(ITEMS.c.source, ITEMS.c.status_raw, ITEMS.c.status_category)
        .order_by(ITEMS.c.source, ITEMS.c.status_raw)
    ):
        limit = _limit(limits, str(raw))
        statuses.append(
            StatusColumn(
                source=str(source),
                status=str(raw),
                category=str(category),
                count=int(count),
                wip_limit=limit,
                over_limit=limit is not None and int(count) > limit,
            )
        )
    statuses.sort(
        key=lambda s: (CATEGORY_ORDER.index(s.category) if s.category in CATEGORY_ORDER else 99, s.source, s.status)
    )
    return TeamBoard(team=team, generated_at=now, columns=columns, statuses=statuses)
