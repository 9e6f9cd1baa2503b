"""Live item counts per group from ``item_tally`` (kept by database triggers, migration 0006).

Each write to ``work_item`` appends signed rows, so the sum of a group's rows is its current number of live items
and story points. Reading sums a table whose size is the number of groups (containers x statuses) plus the rows
appended since the last compaction, never the number of items. :func:`compact_item_tallies` folds the appended
rows into one row per group; it runs when a read finds more than ``COMPACT_AFTER`` rows, and from the sweep.

``person_tally`` (migration 0009) counts each person's open items the same way; :func:`person_open_counts` sums a
page of people's rows, and the same compaction folds them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, delete, func, insert, select, text
from sqlmodel import Session

from models.db import Database
from models.tables import table_of
from models.view_summary import ItemTally, PersonTally

__all__ = [
    "COMPACT_AFTER",
    "ITEM_TALLY",
    "PERSON_TALLY",
    "Tally",
    "TeamContainers",
    "compact_item_tallies",
    "keep_tallies_compact",
    "person_open_counts",
    "read_tallies",
    "tallies_in",
]

ITEM_TALLY: Table = table_of(ItemTally)
PERSON_TALLY: Table = table_of(PersonTally)
COMPACT_AFTER = 5_000
_GROUP = (
    ITEM_TALLY.c.container_id,
    ITEM_TALLY.c.subcontainer_id,
    ITEM_TALLY.c.source,
    ITEM_TALLY.c.status_raw,
    ITEM_TALLY.c.status_category,
)
_LOCK_KEY = 0x6261746F6E  # "baton": serialises compactions on PostgreSQL


@dataclass(frozen=True, slots=True)
class Tally:
    """Live items (and their points) in one (container, list/section, tool, raw status, category) group."""

    container_id: int | None
    subcontainer_id: int | None
    source: str
    status_raw: str
    status_category: str
    items: int
    points: float


@dataclass(frozen=True, slots=True)
class TeamContainers:
    """A team's scope as :func:`api.views.teams.team_scope` defines it: whole projects/boards and lone lists."""

    primary: frozenset[int]
    subs: frozenset[int]

    def holds(self, tally: Tally) -> bool:
        """Whether the tally's items are in the team's scope."""
        return tally.container_id in self.primary or tally.subcontainer_id in self.subs

    def within(self, other: TeamContainers) -> TeamContainers:
        """The part of this scope that ``other`` also covers (a team seen through a key limited to ``other``)."""
        return TeamContainers(self.primary & other.primary, self.subs & other.subs)


def _appended_rows(session: Session, table: Table) -> int:
    low, high = session.execute(select(func.min(table.c.id), func.max(table.c.id))).one()
    return 0 if low is None else int(high) - int(low) + 1


def _fold(session: Session, dialect: str, table: Table, group: tuple[Column[Any], ...], sums: tuple[str, ...]) -> int:
    """Fold ``table``'s rows into one per ``group`` (dropping groups that sum to no items); returns the rows folded."""
    high = session.execute(select(func.max(table.c.id))).scalar_one_or_none()
    if high is None:
        return 0
    folded = int(session.execute(select(func.count()).select_from(table).where(table.c.id <= high)).scalar_one())
    columns = [*(c.name for c in group), *sums]
    if dialect == "postgresql":
        # One statement, so one snapshot: a row committed meanwhile is neither summed nor deleted (two
        # statements under READ COMMITTED could delete a row the sum never saw).
        moved = delete(table).where(table.c.id <= high).returning(*group, *(table.c[n] for n in sums)).cte("moved")
        moved_group = [moved.c[c.name] for c in group]
        folded_sums = (
            select(*moved_group, *(func.sum(moved.c[n]) for n in sums))
            .group_by(*moved_group)
            .having(func.sum(moved.c["items"]) != 0)
        )
        session.execute(insert(table).from_select(columns, folded_sums).add_cte(moved))
    else:  # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), no other writer runs meanwhile
        summed = (
            select(*group, *(func.sum(table.c[n]) for n in sums))
            .where(table.c.id <= high)
            .group_by(*group)
            .having(func.sum(table.c["items"]) != 0)
        )
        session.execute(insert(table).from_select(columns, summed))
        session.execute(delete(table).where(table.c.id <= high))
    return folded


def compact_item_tallies(database: Database) -> int:
    """Fold every item tally row into one per group (dropping empty groups); returns the item tally rows folded.
    The person tallies are folded alike (one row per person), in the same transaction."""
    with database.session() as session:
        if database.dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        folded = _fold(session, database.dialect, ITEM_TALLY, _GROUP, ("items", "points"))
        _fold(session, database.dialect, PERSON_TALLY, (PERSON_TALLY.c.person_id,), ("items",))
        session.commit()
    return folded


def person_open_counts(session: Session, person_ids: Collection[int]) -> dict[int, int]:
    """Each person's live, assigned items that are not done nor cancelled (people with none are left out)."""
    if not person_ids:
        return {}
    total = func.sum(PERSON_TALLY.c["items"])
    rows = session.execute(
        select(PERSON_TALLY.c.person_id, total)
        .where(PERSON_TALLY.c.person_id.in_(sorted(person_ids)))
        .group_by(PERSON_TALLY.c.person_id)
        .having(total != 0)
    )
    return {int(p): int(n) for p, n in rows}


def keep_tallies_compact(database: Database) -> None:
    """Compact the tallies when more than ``COMPACT_AFTER`` rows were appended to either since the last time (two
    reads of a primary key's ends)."""
    with database.read_session() as session:
        appended = max(_appended_rows(session, ITEM_TALLY), _appended_rows(session, PERSON_TALLY))
    if appended > COMPACT_AFTER:
        compact_item_tallies(database)


def read_tallies(database: Database) -> list[Tally]:
    """Every group with live items, compacting first when many rows were appended since the last time."""
    keep_tallies_compact(database)
    with database.read_session() as session:
        rows = session.execute(
            select(*_GROUP, func.sum(ITEM_TALLY.c["items"]), func.sum(ITEM_TALLY.c.points))
            .group_by(*_GROUP)
            .having(func.sum(ITEM_TALLY.c["items"]) != 0)
        ).all()
    return [
        Tally(
            container_id=None if c is None else int(c),
            subcontainer_id=None if s is None else int(s),
            source=str(source),
            status_raw=str(raw),
            status_category=str(category),
            items=int(n),
            points=round(float(p or 0), 6),
        )
        for c, s, source, raw, category, n, p in rows
    ]


def tallies_in(
    tallies: Iterable[Tally],
    *,
    scope: TeamContainers | None = None,
    categories: Collection[str] | None = None,
    source: str | None = None,
) -> list[Tally]:
    """The tallies inside ``scope`` (a team), of ``categories`` and of ``source`` (each optional)."""
    return [
        t
        for t in tallies
        if (scope is None or scope.holds(t))
        and (categories is None or t.status_category in categories)
        and (source is None or t.source == source)
    ]
