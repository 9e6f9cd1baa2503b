"""Due dates: open items already overdue, and those due within the next N days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement
from sqlmodel import Session

from api.views.items import ITEM_SORTS, OPEN_CATEGORIES, ItemSummary, read_item_page
from api.views.keyset import Cursor
from core.policy import Policy
from models.tables import ITEMS

__all__ = ["DUE_SORT", "DueEntry", "DuePage", "due_conditions", "read_due_page", "today_for"]

DUE_SORT = ITEM_SORTS["due"]
DueBucket = Literal["all", "overdue", "upcoming"]


class DueEntry(ItemSummary):
    """An open item with a due date, and how far it is from today."""

    bucket: Literal["overdue", "upcoming"]
    days_until_due: int = Field(description="Negative when overdue.", examples=[-3])


class DuePage(BaseModel):
    """Overdue first (oldest due date first), then upcoming; pass ``next_cursor`` as ``cursor`` for more."""

    today: date = Field(description="Today in the team's time zone (UTC without a team).")
    items: list[DueEntry]
    next_cursor: str | None


def today_for(now: datetime, policy: Policy | None, team: str | None) -> date:
    """Today's date in the team's time zone (the policy's), else in UTC."""
    if policy is not None and team is not None and team in policy.teams:
        return now.astimezone(ZoneInfo(policy.teams[team].timezone)).date()
    return now.date()


def due_conditions(today: date, days: int, bucket: DueBucket) -> list[ColumnElement[bool]]:
    """Open, live items due before today (overdue) and/or from today to today + ``days`` (upcoming)."""
    where: list[ColumnElement[bool]] = [
        ITEMS.c.status_category.in_(OPEN_CATEGORIES),
        ITEMS.c.deleted_at.is_(None),
        ITEMS.c.due.is_not(None),
    ]
    if bucket == "overdue":
        where.append(ITEMS.c.due < today)
    elif bucket == "upcoming":
        where += [ITEMS.c.due >= today, ITEMS.c.due <= today + timedelta(days=days)]
    else:
        where.append(ITEMS.c.due <= today + timedelta(days=days))
    return where


def read_due_page(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    today: date,
    *,
    limit: int,
    cursor: Cursor | None,
    policy: Policy | None,
) -> tuple[list[DueEntry], Cursor | None]:
    """One page of due items, earliest due date first."""
    items, next_cursor = read_item_page(session, where, DUE_SORT, limit=limit, cursor=cursor, policy=policy)
    entries = []
    for item in items:
        assert item.due is not None
        days = (item.due - today).days
        entries.append(DueEntry(**item.model_dump(), bucket="overdue" if days < 0 else "upcoming", days_until_due=days))
    return entries, next_cursor
