"""People across tools and their workload: open items by status category and tool, with estimates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlmodel import Session

from api.views.items import ITEM_SORTS, OPEN_CATEGORIES, ItemFilters, ItemSummary, item_conditions, read_item_page
from api.views.keyset import Cursor, SortKey, read_page
from api.views.tallies import person_open_counts
from api.views.teams import scope_condition, teams_containers
from core.policy import Policy
from models.tables import CONNECTIONS, IDENTITIES, ITEMS, PEOPLE

__all__ = [
    "PEOPLE_SORT",
    "PersonPage",
    "PersonPublic",
    "PersonWorkload",
    "load_workload",
    "people_conditions",
    "read_people_page",
]

PEOPLE_SORT = SortKey("id", PEOPLE.c.id, "int", nullable=False)


class Account(BaseModel):
    """The person's account in one connection."""

    connection: str
    external_id: str
    display_name: str


class PersonPublic(BaseModel):
    """A person unified across tools, with their open items."""

    id: int = Field(examples=[3])
    display_name: str = Field(examples=["Ada Lovelace"])
    email: str | None
    is_bot: bool
    accounts: list[Account]
    open_items: int = Field(description="Live items assigned to the person, not done and not cancelled.")


class PersonPage(BaseModel):
    """A page of people; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[PersonPublic]
    next_cursor: str | None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def people_conditions(q: str | None, include_bots: bool) -> list[ColumnElement[bool]]:
    """Name / e-mail search and the bot filter."""
    where: list[ColumnElement[bool]] = []
    if not include_bots:
        where.append(PEOPLE.c.is_bot.is_(False))
    if q is not None:
        where.append(
            or_(PEOPLE.c.display_name.ilike(_like(q), escape="\\"), PEOPLE.c.email.ilike(_like(q), escape="\\"))
        )
    return where


def _open_counts(session: Session, person_ids: Sequence[int], visible: ColumnElement[bool] | None) -> dict[int, int]:
    if visible is None:  # the whole organisation: the trigger-kept tallies, whatever the people's workloads
        return person_open_counts(session, person_ids)
    rows = session.execute(
        select(ITEMS.c.assignee_person_id, func.count())
        .where(
            ITEMS.c.assignee_person_id.in_(person_ids),
            ITEMS.c.status_category.in_(OPEN_CATEGORIES),
            ITEMS.c.deleted_at.is_(None),
            *([visible] if visible is not None else []),
        )
        .group_by(ITEMS.c.assignee_person_id)
    )
    return {int(p): int(c) for p, c in rows}


def _public(session: Session, rows: Sequence[Any], visible: ColumnElement[bool] | None = None) -> list[PersonPublic]:
    ids = [int(r["id"]) for r in rows]
    if not ids:
        return []
    accounts: dict[int, list[Account]] = defaultdict(list)
    for person_id, connection, external_id, display_name in session.execute(
        select(IDENTITIES.c.person_id, CONNECTIONS.c.name, IDENTITIES.c.external_id, IDENTITIES.c.display_name)
        .join(CONNECTIONS, CONNECTIONS.c.id == IDENTITIES.c.connection_id)
        .where(IDENTITIES.c.person_id.in_(ids))
        .order_by(CONNECTIONS.c.name, IDENTITIES.c.external_id)
    ):
        accounts[int(person_id)].append(
            Account(connection=connection, external_id=external_id, display_name=display_name)
        )
    counts = _open_counts(session, ids, visible)
    return [
        PersonPublic(
            id=int(r["id"]),
            display_name=r["display_name"],
            email=r["email"],
            is_bot=bool(r["is_bot"]),
            accounts=accounts.get(int(r["id"]), []),
            open_items=counts.get(int(r["id"]), 0),
        )
        for r in rows
    ]


def _query(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    return select(PEOPLE.c.id, PEOPLE.c.display_name, PEOPLE.c.email, PEOPLE.c.is_bot).where(*where)


def carrying_items(visible: ColumnElement[bool]) -> ColumnElement[bool]:
    """People assigned to at least one live item matching ``visible`` (a key's team scope)."""
    return PEOPLE.c.id.in_(
        select(ITEMS.c.assignee_person_id).where(
            visible, ITEMS.c.deleted_at.is_(None), ITEMS.c.assignee_person_id.is_not(None)
        )
    )


def read_people_page(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    *,
    limit: int,
    cursor: Cursor | None,
    visible: ColumnElement[bool] | None = None,
) -> tuple[list[PersonPublic], Cursor | None]:
    """One page of people in id order (with ``visible``: only people carrying such items, counted in it)."""
    if visible is not None:
        where = [*where, carrying_items(visible)]
    rows, next_cursor = read_page(session, _query(where), PEOPLE_SORT, PEOPLE.c.id, limit=limit, cursor=cursor)
    return _public(session, [r._mapping for r in rows], visible), next_cursor


class CategoryLoad(BaseModel):
    """The person's open items in one status category."""

    category: str = Field(examples=["in_progress"])
    count: int
    estimate_total: float = Field(description="Sum of story points.")
    unestimated: int = Field(description="Items with no estimate.")


class SourceLoad(BaseModel):
    """The person's open items in one tool."""

    source: str
    count: int
    estimate_total: float


class PersonWorkload(BaseModel):
    """Everything open on one person's plate, across tools."""

    person: PersonPublic
    open_items: int
    estimate_total: float
    by_category: list[CategoryLoad]
    by_source: list[SourceLoad]
    items: list[ItemSummary] = Field(description="The open items, most recently updated first (up to `limit`).")


def load_workload(
    session: Session,
    person_id: int,
    *,
    limit: int,
    policy: Policy | None,
    visible_teams: frozenset[str] | None = None,
) -> PersonWorkload | None:
    """The person's open workload, or ``None`` when there is no such person (with ``visible_teams``: also when the
    person carries no item of those teams; the workload then counts only those teams' items)."""
    visible = scope_condition(teams_containers(session, policy, visible_teams)) if visible_teams is not None else None
    person_where = [PEOPLE.c.id == person_id] + ([carrying_items(visible)] if visible is not None else [])
    row = session.execute(_query(person_where)).mappings().one_or_none()
    if row is None:
        return None
    person = _public(session, [row], visible)[0]
    scope = [
        ITEMS.c.assignee_person_id == person_id,
        ITEMS.c.status_category.in_(OPEN_CATEGORIES),
        ITEMS.c.deleted_at.is_(None),
        *([visible] if visible is not None else []),
    ]
    by_category = [
        CategoryLoad(category=str(c), count=int(n), estimate_total=float(p or 0), unestimated=int(u or 0))
        for c, n, p, u in session.execute(
            select(
                ITEMS.c.status_category,
                func.count(),
                func.sum(ITEMS.c.estimate),
                func.count() - func.count(ITEMS.c.estimate),
            )
            .where(*scope)
            .group_by(ITEMS.c.status_category)
            .order_by(ITEMS.c.status_category)
        )
    ]
    by_source = [
        SourceLoad(source=str(s), count=int(n), estimate_total=float(p or 0))
        for s, n, p in session.execute(
            select(ITEMS.c.source, func.count(), func.sum(ITEMS.c.estimate))
            .where(*scope)
            .group_by(ITEMS.c.source)
            .order_by(ITEMS.c.source)
        )
    ]
    filters = ItemFilters(
        assignee=str(person_id), status_categories=OPEN_CATEGORIES, extra=(visible,) if visible is not None else ()
    )
    where = item_conditions(session, filters, policy)
    items = (
        read_item_page(session, where, ITEM_SORTS["-updated"], limit=limit, cursor=None, policy=policy)[0]
        if limit
        else []
    )
    return PersonWorkload(
        person=person,
        open_items=sum(c.count for c in by_category),
        estimate_total=sum(c.estimate_total for c in by_category),
        by_category=by_category,
        by_source=by_source,
        items=items,
    )
