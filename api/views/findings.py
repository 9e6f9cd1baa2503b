"""Findings: the filtered list, one finding, and snoozing (an admin hides a finding until a date)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlmodel import Session

from api.views.keyset import Cursor, SortKey, read_page
from api.views.params import UtcDatetime
from models.db import Database
from models.tables import FINDINGS, ITEMS

__all__ = [
    "FINDING_CSV_COLUMNS",
    "FINDING_SORTS",
    "FindingFilters",
    "FindingPage",
    "FindingPublic",
    "SnoozeRequest",
    "finding_conditions",
    "iter_finding_batches",
    "load_finding",
    "read_finding_page",
    "set_snooze",
]

FINDING_SORTS: dict[str, SortKey] = {
    "-id": SortKey("-id", FINDINGS.c.id, "int", descending=True, nullable=False),
    "first_seen": SortKey("first_seen", FINDINGS.c.first_seen_at, "datetime", nullable=False),
}


class FindingPublic(BaseModel):
    """A rule that fired for a subject, with its lifecycle."""

    id: int = Field(examples=[7])
    rule_id: str = Field(examples=["R02"])
    state: Literal["open", "snoozed", "resolved"] = Field(description="Snoozed: open but hidden until `snoozed_until`.")
    subject_type: str = Field(examples=["work_item"])
    subject_key: str
    work_item_id: int | None
    item_key: str | None = Field(description="The item's key, when the subject is an item.")
    item_title: str | None
    team: str | None
    severity: str = Field(examples=["medium"])
    message: str = Field(examples=["PAY-12 has been in progress for 9 days with no activity."])
    url: str | None
    details: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    snoozed_until: datetime | None
    snooze_reason: str | None


class FindingPage(BaseModel):
    """A page of findings; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[FindingPublic]
    next_cursor: str | None


FINDING_CSV_COLUMNS = tuple(name for name in FindingPublic.model_fields if name != "details")


class SnoozeRequest(BaseModel):
    """Hide an open finding until ``until``; any other field is refused."""

    model_config = ConfigDict(extra="forbid")

    until: UtcDatetime = Field(description="When the finding shows again (in the future, within a year).")
    reason: str = Field(min_length=1, max_length=500, pattern=r"^[^\x00]*$", examples=["Waiting on the vendor fix"])


FindingState = Literal["open", "resolved", "all"]


class FindingFilters(BaseModel):
    """The findings view's filters."""

    rule: str | None = None
    team: str | None = None
    severity: str | None = None
    state: FindingState = "open"
    snoozed: bool | None = None
    work_item: int | None = None
    visible_teams: frozenset[str] | None = None


def finding_conditions(filters: FindingFilters, now: datetime) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``filters``; ``snoozed`` compares ``snoozed_until`` with ``now``."""
    where: list[ColumnElement[bool]] = []
    if filters.state == "open":
        where.append(FINDINGS.c.resolved_at.is_(None))
    elif filters.state == "resolved":
        where.append(FINDINGS.c.resolved_at.is_not(None))
    if filters.rule is not None:
        where.append(FINDINGS.c.rule_id == filters.rule)
    if filters.team is not None:
        where.append(FINDINGS.c.team == filters.team)
    if filters.severity is not None:
        where.append(FINDINGS.c.severity == filters.severity)
    if filters.snoozed is True:
        where.append(FINDINGS.c.snoozed_until > now)
    elif filters.snoozed is False:
        where.append(or_(FINDINGS.c.snoozed_until.is_(None), FINDINGS.c.snoozed_until <= now))
    if filters.work_item is not None:
        where.append(FINDINGS.c.work_item_id == filters.work_item)
    if filters.visible_teams is not None:
        where.append(FINDINGS.c.team.in_(sorted(filters.visible_teams)))
    return where


def _query(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    return (
        select(FINDINGS, ITEMS.c.key.label("item_key"), ITEMS.c.title.label("item_title"))
        .outerjoin(ITEMS, ITEMS.c.id == FINDINGS.c.work_item_id)
        .where(*where)
    )


def _public(row: Any, now: datetime) -> FindingPublic:
    data = dict(row)
    data.pop("_sort_value", None)
    if data["resolved_at"] is not None:
        state = "resolved"
    elif data["snoozed_until"] is not None and data["snoozed_until"] > now:
        state = "snoozed"
    else:
        state = "open"
    return FindingPublic.model_validate({**data, "state": state})


def read_finding_page(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    sort: SortKey,
    *,
    limit: int,
    cursor: Cursor | None,
    now: datetime,
) -> tuple[list[FindingPublic], Cursor | None]:
    """One page of findings after ``cursor``."""
    rows, next_cursor = read_page(session, _query(where), sort, FINDINGS.c.id, limit=limit, cursor=cursor)
    return [_public(r._mapping, now) for r in rows], next_cursor


def iter_finding_batches(
    database: Database, filters: FindingFilters, sort: SortKey, *, now: datetime, cursor: Cursor | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Every matching finding, 1,000 at a time, each batch in its own read transaction."""
    where = finding_conditions(filters, now)
    while True:
        with database.read_session() as session:
            findings, cursor = read_finding_page(session, where, sort, limit=1_000, cursor=cursor, now=now)
        yield [f.model_dump() for f in findings]
        if cursor is None:
            return


def load_finding(
    session: Session, finding_id: int, now: datetime, *, visible_teams: frozenset[str] | None = None
) -> FindingPublic | None:
    """One finding, or ``None`` (also when it is filed under a team outside ``visible_teams``)."""
    where = [FINDINGS.c.id == finding_id]
    if visible_teams is not None:
        where.append(FINDINGS.c.team.in_(sorted(visible_teams)))
    row = session.execute(_query(where)).mappings().one_or_none()
    return _public(row, now) if row is not None else None


def set_snooze(session: Session, finding_id: int, until: datetime | None, reason: str | None) -> bool:
    """Snooze (or, with ``until=None``, wake) an open finding; ``False`` when there is no open finding ``id``."""
    result = session.execute(
        update(FINDINGS)
        .where(and_(FINDINGS.c.id == finding_id, FINDINGS.c.resolved_at.is_(None)))
        .values(snoozed_until=until, snooze_reason=reason)
        .returning(FINDINGS.c.id)
    ).all()
    return bool(result)
