"""Epics rolled up across tools: children by epic / parent id in the same tool, and items linked to the epic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, select
from sqlmodel import Session

from api.views.items import ITEM_SORTS, ItemSummary, read_item_page
from api.views.keyset import Cursor
from core.policy import Policy
from models.enums import LinkOrigin, StatusCategory
from models.tables import ITEMS, LINKS

__all__ = ["EPIC_SORT", "NOT_CHILD_LINKS", "EpicPage", "EpicRollup", "read_epic_page"]

EPIC_SORT = ITEM_SORTS["-updated"]
# Explicit links that relate two items without making one part of the other.
NOT_CHILD_LINKS = ("blocks", "is_blocked_by", "duplicates", "is_duplicated_by", "clones", "is_cloned_by")
DONE = str(StatusCategory.DONE)
CANCELLED = str(StatusCategory.CANCELLED)


class EpicRollup(ItemSummary):
    """An epic and the progress of its children in every tool."""

    children_total: int = Field(description="Children not cancelled.")
    children_done: int
    children_by_category: dict[str, int]
    children_sources: list[str] = Field(description="The tools the children live in.")
    points_total: float
    points_done: float
    progress_percent: float = Field(description="Done children as a share of children not cancelled.")


class EpicPage(BaseModel):
    """A page of epics; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[EpicRollup]
    next_cursor: str | None


def _children(session: Session, epics: Sequence[ItemSummary]) -> dict[int, dict[int, Any]]:
    """Each epic's children (item id -> row), deduplicated."""
    by_connection: dict[str, dict[str, int]] = defaultdict(dict)
    ids_of_connection: dict[str, int] = {}
    rows = session.execute(
        select(ITEMS.c.id, ITEMS.c.connection_id, ITEMS.c.external_id).where(ITEMS.c.id.in_([e.id for e in epics]))
    ).all()
    for epic_id, connection_id, external_id in rows:
        by_connection[str(connection_id)][str(external_id)] = int(epic_id)
        ids_of_connection[str(connection_id)] = int(connection_id)
    children: dict[int, dict[int, Any]] = defaultdict(dict)
    columns = (ITEMS.c.id, ITEMS.c.source, ITEMS.c.status_category, ITEMS.c.estimate)
    for key, epic_of in by_connection.items():
        externals = sorted(epic_of)
        # One query per reference column, so each uses its (connection, reference) index (an OR would not).
        for reference in (ITEMS.c.epic_external_id, ITEMS.c.parent_external_id):
            for child in session.execute(
                select(*columns, ITEMS.c.epic_external_id, ITEMS.c.parent_external_id).where(
                    ITEMS.c.connection_id == ids_of_connection[key],
                    reference.in_(externals),
                    ITEMS.c.deleted_at.is_(None),
                )
            ):
                for ref in {child.epic_external_id, child.parent_external_id}:
                    if ref in epic_of and epic_of[ref] != child.id:
                        children[epic_of[ref]][int(child.id)] = child
    for child in session.execute(
        select(*columns, LINKS.c.target_item_id)
        .join(LINKS, LINKS.c.source_item_id == ITEMS.c.id)
        .where(
            LINKS.c.target_item_id.in_([e.id for e in epics]),
            LINKS.c.origin == str(LinkOrigin.EXPLICIT),
            LINKS.c.link_type.not_in(NOT_CHILD_LINKS),
            ITEMS.c.deleted_at.is_(None),
        )
    ):
        children[int(child.target_item_id)][int(child.id)] = child
    return children


def read_epic_page(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    *,
    limit: int,
    cursor: Cursor | None,
    policy: Policy | None,
) -> tuple[list[EpicRollup], Cursor | None]:
    """One page of epics (most recently updated first) with their roll-up."""
    epics, next_cursor = read_item_page(session, where, EPIC_SORT, limit=limit, cursor=cursor, policy=policy)
    children = _children(session, epics) if epics else {}
    page = []
    for epic in epics:
        kids = [c for c in children.get(epic.id, {}).values() if c.status_category != CANCELLED]
        by_category: dict[str, int] = defaultdict(int)
        for kid in children.get(epic.id, {}).values():
            by_category[str(kid.status_category)] += 1
        done = [c for c in kids if c.status_category == DONE]
        page.append(
            EpicRollup(
                **epic.model_dump(),
                children_total=len(kids),
                children_done=len(done),
                children_by_category=dict(sorted(by_category.items())),
                children_sources=sorted({str(c.source) for c in kids}),
                points_total=sum(float(c.estimate or 0) for c in kids),
                points_done=sum(float(c.estimate or 0) for c in done),
                progress_percent=round(100.0 * len(done) / len(kids), 1) if kids else 0.0,
            )
        )
    return page, next_cursor
