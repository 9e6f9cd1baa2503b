"""Items: the filtered, sorted, keyset-paged list, and one item with its history, findings, links and sprints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, Table, exists, false, func, or_, select, union
from sqlmodel import Session

from api.views.keyset import Cursor, SortKey, read_page
from api.views.tallies import TeamContainers
from api.views.teams import container_teams, scope_condition, team_containers, team_scope, teams_containers
from core.policy import Policy
from models.db import Database
from models.enums import StatusCategory
from models.tables import (
    CONNECTIONS,
    CONTAINERS,
    FINDINGS,
    ITEMS,
    LABELS,
    LINKS,
    MEMBERSHIPS,
    PEOPLE,
    SPRINTS,
    TRANSITIONS,
)

__all__ = [
    "ITEM_CSV_COLUMNS",
    "ITEM_SORTS",
    "OPEN_CATEGORIES",
    "ItemDetail",
    "ItemFilters",
    "ItemPage",
    "ItemSummary",
    "count_items",
    "item_conditions",
    "item_partitions",
    "item_rows",
    "iter_item_batches",
    "load_item_detail",
    "narrowed_to_ids",
    "read_item_page",
    "scope_partitions",
    "summarise_items",
]

OPEN_CATEGORIES = (
    str(StatusCategory.BACKLOG),
    str(StatusCategory.TODO),
    str(StatusCategory.IN_PROGRESS),
    str(StatusCategory.UNKNOWN),
)

ITEM_SORTS: dict[str, SortKey] = {
    "updated": SortKey("updated", ITEMS.c.source_updated_at, "datetime"),
    "-updated": SortKey("-updated", ITEMS.c.source_updated_at, "datetime", descending=True),
    "created": SortKey("created", ITEMS.c.source_created_at, "datetime"),
    "due": SortKey("due", ITEMS.c.due, "date"),
    "key": SortKey("key", ITEMS.c.key, "text"),
    "status": SortKey("status", ITEMS.c.status_category, "text", nullable=False),
}

_ITEM_COLUMNS = (
    ITEMS.c.id,
    ITEMS.c.connection_id,
    ITEMS.c.source,
    ITEMS.c.external_id,
    ITEMS.c.key,
    ITEMS.c.title,
    ITEMS.c.type,
    ITEMS.c.status_raw,
    ITEMS.c.status_category,
    ITEMS.c.assignee_person_id,
    ITEMS.c.priority,
    ITEMS.c.estimate,
    ITEMS.c.due,
    ITEMS.c.flagged,
    ITEMS.c.container_id,
    ITEMS.c.subcontainer_id,
    ITEMS.c.parent_external_id,
    ITEMS.c.epic_external_id,
    ITEMS.c.sprint_external_id,
    ITEMS.c.url,
    ITEMS.c.source_created_at,
    ITEMS.c.source_updated_at,
    ITEMS.c.resolved_at,
    ITEMS.c.last_activity_at,
    ITEMS.c.deleted_at,
)


class ItemSummary(BaseModel):
    """One work item in a list: enough to plan with, and a link to it in its own tool."""

    id: int = Field(examples=[1042])
    source: str = Field(description="jira, trello or asana.", examples=["jira"])
    connection: str = Field(description="The connection's name.", examples=["jira"])
    external_id: str = Field(description="The item's immutable id in its tool.")
    key: str | None = Field(examples=["PAY-12"])
    title: str = Field(examples=["Checkout times out on slow networks"])
    type: str = Field(examples=["story"])
    status: str = Field(description="The tool's own status, list or section name.", examples=["In Review"])
    status_category: str = Field(examples=["in_progress"])
    assignee_id: int | None = Field(description="The person's id (see /api/v1/people).")
    assignee: str | None = Field(description="The person's display name.")
    priority: str | None
    estimate: float | None = Field(description="Story points.")
    due: date | None
    flagged: bool
    container_id: int | None
    container: str | None = Field(description="Project or board name.")
    team: str | None
    labels: list[str]
    epic_external_id: str | None
    parent_external_id: str | None
    sprint_external_id: str | None
    open_findings: int = Field(description="Open findings on this item.")
    url: str | None
    created_at: datetime | None
    updated_at: datetime | None
    resolved_at: datetime | None
    last_activity_at: datetime | None
    deleted_at: datetime | None


class ItemPage(BaseModel):
    """A page of items; pass ``next_cursor`` as ``cursor`` (with the same filters and sort) for the next one."""

    items: list[ItemSummary]
    next_cursor: str | None = Field(description="Opaque; `null` on the last page.")
    total: int | None = Field(default=None, description="Every matching item; only with `include_total=true`.")


ITEM_CSV_COLUMNS = tuple(ItemSummary.model_fields)


@dataclass(frozen=True)
class ItemFilters:
    """The items view's filters; every field narrows the result."""

    source: str | None = None
    connection: str | None = None
    team: str | None = None
    container: int | None = None
    status_categories: tuple[str, ...] = ()
    assignee: str | None = None
    label: str | None = None
    type: str | None = None
    sprint: int | None = None
    epic: int | None = None
    has_finding: bool | None = None
    rule: str | None = None
    updated_since: datetime | None = None
    due_before: date | None = None
    q: str | None = None
    include_deleted: bool = False
    visible_teams: frozenset[str] | None = None
    extra: tuple[ColumnElement[bool], ...] = field(default=())


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _epic_children(session: Session, epic_id: int) -> ColumnElement[bool]:
    epic = session.execute(
        select(ITEMS.c.connection_id, ITEMS.c.external_id).where(ITEMS.c.id == epic_id)
    ).one_or_none()
    if epic is None:
        return false()
    # A union of three indexed lookups (an OR of them would scan the connection's items).
    children = union(
        select(ITEMS.c.id).where(
            ITEMS.c.connection_id == epic.connection_id, ITEMS.c.epic_external_id == epic.external_id
        ),
        select(ITEMS.c.id).where(
            ITEMS.c.connection_id == epic.connection_id, ITEMS.c.parent_external_id == epic.external_id
        ),
        select(LINKS.c.source_item_id).where(LINKS.c.target_item_id == epic_id),
    )
    return ITEMS.c.id.in_(children)


ID_LIST_LIMIT = 5_000


@dataclass(frozen=True)
class _Narrowing:
    """A filter through another table (a label, a rule's open findings) that names the items by id.

    In the WHERE clauses it stands as ``placeholder`` (``ITEMS.id IN ids``, correct for any reader);
    :func:`read_item_page` replaces it: sorted by updated time, it joins ``table`` and walks its (…, item_updated_at,
    work_item_id) index in the page's order; sorted otherwise, it reads the ids first (:func:`_id_in`).
    """

    placeholder: ColumnElement[bool]
    ids: Select[Any]
    table: Table
    conditions: tuple[ColumnElement[bool], ...]
    repeats: bool  # several rows of ``table`` may name one item

    @property
    def item_id(self) -> ColumnElement[Any]:
        return self.table.c.work_item_id

    @property
    def updated(self) -> ColumnElement[Any]:
        return self.table.c.item_updated_at


def _narrowing(table: Table, conditions: tuple[ColumnElement[bool], ...], *, repeats: bool) -> _Narrowing:
    ids = select(table.c.work_item_id).where(*conditions)
    return _Narrowing(ITEMS.c.id.in_(ids), ids, table, conditions, repeats)


class _IdList(list[ColumnElement[bool]]):
    """WHERE clauses, some of which narrow the items through another table (see :class:`_Narrowing`)."""

    def __init__(self, where: Sequence[ColumnElement[bool]], narrowings: Sequence[_Narrowing]) -> None:
        super().__init__(where)
        self.narrowings = tuple(narrowings)


def _id_in(session: Session, ids: Select[Any]) -> tuple[ColumnElement[bool], bool]:
    """``ITEMS.id IN ids``: as a list of ids when there are at most ``ID_LIST_LIMIT`` (then ``True``: pages are
    ordered from the ids' sort values, so a selective label or rule never walks the sort index probing each item),
    else as a subquery."""
    found = session.execute(ids.distinct().limit(ID_LIST_LIMIT + 1)).scalars().all()
    if len(found) <= ID_LIST_LIMIT:
        return (ITEMS.c.id.in_(sorted(int(i) for i in found)) if found else false()), True
    return ITEMS.c.id.in_(ids), False


def narrowed_to_ids(where: Sequence[ColumnElement[bool]]) -> bool:
    """Whether :func:`item_conditions` narrowed the items through a label or a rule."""
    return isinstance(where, _IdList)


def item_conditions(session: Session, filters: ItemFilters, policy: Policy | None) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``filters`` (ids of teams, connections and epics resolved first)."""
    where: list[ColumnElement[bool]] = list(filters.extra)
    narrowings: list[_Narrowing] = []
    if filters.visible_teams is not None:
        where.append(scope_condition(teams_containers(session, policy, filters.visible_teams)))
    if not filters.include_deleted:
        where.append(ITEMS.c.deleted_at.is_(None))
    if filters.source is not None:
        where.append(ITEMS.c.source == filters.source)
    if filters.connection is not None:
        connection_id = session.execute(
            select(CONNECTIONS.c.id).where(CONNECTIONS.c.name == filters.connection)
        ).scalar_one_or_none()
        where.append(ITEMS.c.connection_id == connection_id if connection_id is not None else false())
    if filters.team is not None:
        where.append(team_scope(session, policy, filters.team))
    if filters.container is not None:
        where.append(or_(ITEMS.c.container_id == filters.container, ITEMS.c.subcontainer_id == filters.container))
    if filters.status_categories:
        where.append(ITEMS.c.status_category.in_(filters.status_categories))
    if filters.assignee == "none":
        where.append(ITEMS.c.assignee_person_id.is_(None))
    elif filters.assignee is not None:
        where.append(ITEMS.c.assignee_person_id == int(filters.assignee))
    if filters.label is not None:
        narrowings.append(_narrowing(LABELS, (LABELS.c.label == filters.label,), repeats=False))
        where.append(narrowings[-1].placeholder)
    if filters.type is not None:
        where.append(ITEMS.c.type == filters.type)
    if filters.sprint is not None:
        in_sprint = select(MEMBERSHIPS.c.work_item_id).where(
            MEMBERSHIPS.c.sprint_id == filters.sprint, MEMBERSHIPS.c.removed_at.is_(None)
        )
        where.append(ITEMS.c.id.in_(in_sprint))
    if filters.epic is not None:
        where.append(_epic_children(session, filters.epic))
    # Its own alias: a page that walks the rule's index has FINDINGS in its FROM, and a subquery over the same
    # table would correlate to it (and be left with no FROM of its own).
    any_finding = FINDINGS.alias("any_open_finding")
    if filters.has_finding is True:
        where.append(
            ITEMS.c.id.in_(
                select(any_finding.c.work_item_id).where(
                    any_finding.c.resolved_at.is_(None), any_finding.c.work_item_id.is_not(None)
                )
            )
        )
    elif filters.has_finding is False:
        where.append(~exists().where(any_finding.c.resolved_at.is_(None), any_finding.c.work_item_id == ITEMS.c.id))
    if filters.rule is not None:
        # An item may carry several open findings of one rule (e.g. a duplicate of two others).
        of_rule = (
            FINDINGS.c.rule_id == filters.rule,
            FINDINGS.c.resolved_at.is_(None),
            FINDINGS.c.work_item_id.is_not(None),
        )
        narrowings.append(_narrowing(FINDINGS, of_rule, repeats=True))
        where.append(narrowings[-1].placeholder)
    if filters.updated_since is not None:
        where.append(ITEMS.c.source_updated_at >= filters.updated_since)
    if filters.due_before is not None:
        where.append(ITEMS.c.due < filters.due_before)
    if filters.q is not None:
        where.append(or_(ITEMS.c.key == filters.q, ITEMS.c.title.ilike(_like_pattern(filters.q), escape="\\")))
    return _IdList(where, narrowings) if narrowings else where


MAX_PARTITIONS = 24


def scope_partitions(scope: TeamContainers) -> list[ColumnElement[bool]] | None:
    """One condition per container of a team's scope (``None`` when there are too many to read one by one)."""
    if not 0 < len(scope.primary) + len(scope.subs) <= MAX_PARTITIONS:
        return None
    return [ITEMS.c.container_id == c for c in sorted(scope.primary)] + [
        ITEMS.c.subcontainer_id == s for s in sorted(scope.subs)
    ]


def item_partitions(session: Session, filters: ItemFilters, policy: Policy | None) -> list[ColumnElement[bool]] | None:
    """Disjoint per-container conditions covering the items ``filters`` select, when a team or container narrows
    them (each then reads through its (container, category, updated) index range); ``None`` otherwise."""
    if filters.team is not None:
        return scope_partitions(team_containers(session, policy, filters.team))
    if filters.container is not None:
        return [
            ITEMS.c.container_id == filters.container,
            (ITEMS.c.subcontainer_id == filters.container)
            & or_(ITEMS.c.container_id.is_(None), ITEMS.c.container_id != filters.container),
        ]
    return None


def item_rows(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """The item columns a summary needs, for the items matching ``where``."""
    return select(*_ITEM_COLUMNS).where(*where)


def count_items(session: Session, where: Sequence[ColumnElement[bool]]) -> int:
    """How many items match ``where``."""
    return int(session.execute(select(func.count()).select_from(ITEMS).where(*where)).scalar_one())


def summarise_items(session: Session, rows: Sequence[Mapping[Any, Any]], policy: Policy | None) -> list[ItemSummary]:
    """Item rows with their connection, assignee, container, team, labels and open-finding counts."""
    if not rows:
        return []
    ids = [int(r["id"]) for r in rows]
    connections = dict(session.execute(select(CONNECTIONS.c.id, CONNECTIONS.c.name)).all())
    person_ids = sorted({int(r["assignee_person_id"]) for r in rows if r["assignee_person_id"] is not None})
    people = (
        dict(session.execute(select(PEOPLE.c.id, PEOPLE.c.display_name).where(PEOPLE.c.id.in_(person_ids))).all())
        if person_ids
        else {}
    )
    container_ids = {int(r["container_id"]) for r in rows if r["container_id"] is not None}
    container_ids |= {int(r["subcontainer_id"]) for r in rows if r["subcontainer_id"] is not None}
    names = (
        dict(
            session.execute(
                select(CONTAINERS.c.id, CONTAINERS.c.name).where(CONTAINERS.c.id.in_(sorted(container_ids)))
            ).all()
        )
        if container_ids
        else {}
    )
    teams = container_teams(session, policy, container_ids)
    labels: dict[int, list[str]] = defaultdict(list)
    for item_id, label in session.execute(
        select(LABELS.c.work_item_id, LABELS.c.label).where(LABELS.c.work_item_id.in_(ids)).order_by(LABELS.c.label)
    ):
        labels[int(item_id)].append(str(label))
    findings = dict(
        session.execute(
            select(FINDINGS.c.work_item_id, func.count())
            .where(FINDINGS.c.work_item_id.in_(ids), FINDINGS.c.resolved_at.is_(None))
            .group_by(FINDINGS.c.work_item_id)
        ).all()
    )
    summaries = []
    for r in rows:
        item_id = int(r["id"])
        container_id = r["container_id"]
        sub_id = r["subcontainer_id"]
        team = teams.get(sub_id) if sub_id is not None else None
        team = team or (teams.get(container_id) if container_id is not None else None)
        summaries.append(
            ItemSummary(
                id=item_id,
                source=r["source"],
                connection=str(connections.get(r["connection_id"], "")),
                external_id=r["external_id"],
                key=r["key"],
                title=r["title"],
                type=r["type"],
                status=r["status_raw"],
                status_category=r["status_category"],
                assignee_id=r["assignee_person_id"],
                assignee=people.get(r["assignee_person_id"]),
                priority=r["priority"],
                estimate=r["estimate"],
                due=r["due"],
                flagged=bool(r["flagged"]),
                container_id=container_id,
                container=names.get(container_id),
                team=team,
                labels=labels.get(item_id, []),
                epic_external_id=r["epic_external_id"],
                parent_external_id=r["parent_external_id"],
                sprint_external_id=r["sprint_external_id"],
                open_findings=int(findings.get(item_id, 0)),
                url=r["url"],
                created_at=r["source_created_at"],
                updated_at=r["source_updated_at"],
                resolved_at=r["resolved_at"],
                last_activity_at=r["last_activity_at"],
                deleted_at=r["deleted_at"],
            )
        )
    return summaries


def read_item_page(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    sort: SortKey,
    *,
    limit: int,
    cursor: Cursor | None,
    policy: Policy | None,
    partitions: Sequence[ColumnElement[bool]] | None = None,
) -> tuple[list[ItemSummary], Cursor | None]:
    """One page of items after ``cursor`` (``partitions``: see :func:`api.views.keyset.read_page`).

    Narrowed by a label or a rule (see :class:`_Narrowing`) and sorted by updated time, the page walks the label's
    or the rule's index in that order and stops when it is full, however many items match; sorted otherwise, the
    matching ids are read first and, when they are few, ordered from their sort values.
    """
    narrowings = where.narrowings if isinstance(where, _IdList) else ()
    walked = next((n for n in narrowings if sort.column is ITEMS.c.source_updated_at), None)
    if walked is not None:
        rest = [c for c in where if c is not walked.placeholder]
        base = (
            select(*_ITEM_COLUMNS, walked.item_id)
            .select_from(walked.table.join(ITEMS, ITEMS.c.id == walked.item_id))
            .where(*walked.conditions, *rest)
        )
        rows, next_cursor = read_page(
            session,
            base,
            replace(sort, column=walked.updated),
            walked.item_id,
            limit=limit,
            cursor=cursor,
            repeats=walked.repeats,
        )
    else:
        listed = False
        resolved = list(where)
        for narrowing in narrowings:
            condition, short = _id_in(session, narrowing.ids)
            resolved = [condition if c is narrowing.placeholder else c for c in resolved]
            listed |= short
        rows, next_cursor = read_page(
            session,
            item_rows(resolved),
            sort,
            ITEMS.c.id,
            limit=limit,
            cursor=cursor,
            partitions=partitions,
            candidates=listed,
        )
    return summarise_items(session, [r._mapping for r in rows], policy), next_cursor


def iter_item_batches(
    database: Database,
    filters: ItemFilters,
    sort: SortKey,
    *,
    policy: Policy | None,
    cursor: Cursor | None = None,
    batch_size: int = 1_000,
) -> Iterator[list[dict[str, Any]]]:
    """Every matching item, ``batch_size`` at a time, each batch in its own short read transaction."""
    while True:
        with database.read_session() as session:
            where = item_conditions(session, filters, policy)
            partitions = item_partitions(session, filters, policy)
            items, cursor = read_item_page(
                session, where, sort, limit=batch_size, cursor=cursor, policy=policy, partitions=partitions
            )
        yield [item.model_dump() for item in items]
        if cursor is None:
            return


# -- one item ---------------------------------------------------------------------------------------


class TransitionPublic(BaseModel):
    """One change of a tracked field."""

    field: str = Field(examples=["status"])
    from_value: str | None = Field(examples=["To Do"])
    to_value: str | None = Field(examples=["In Progress"])
    from_category: str | None
    to_category: str | None
    changed_at: datetime
    author_external_id: str | None


class ItemFindingPublic(BaseModel):
    """A finding on the item."""

    id: int
    rule_id: str = Field(examples=["R02"])
    severity: str
    message: str
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    snoozed_until: datetime | None


class LinkPublic(BaseModel):
    """A relation to another item (outgoing: this item links to it; incoming: it links to this item)."""

    direction: str = Field(description="outgoing or incoming.")
    link_type: str = Field(examples=["blocks"])
    origin: str = Field(description="explicit (a vendor link) or mention (a key or URL in text).")
    target_ref: str
    other_item_id: int | None = Field(description="The other item, when it is in the store.")


class SprintMembershipPublic(BaseModel):
    """The item's stay in a sprint."""

    sprint_id: int
    name: str
    state: str
    added_at: datetime | None
    removed_at: datetime | None


class ItemDetail(ItemSummary):
    """One item with its description, history, findings, links and sprint memberships."""

    description: str | None
    reporter_external_id: str | None
    resolution: str | None
    transitions: list[TransitionPublic]
    findings: list[ItemFindingPublic]
    links: list[LinkPublic]
    sprints: list[SprintMembershipPublic]


def load_item_detail(
    session: Session, item_id: int, *, include_deleted: bool, policy: Policy | None, history_limit: int = 1_000
) -> ItemDetail | None:
    """The item with everything around it, or ``None`` (also for a tombstone unless ``include_deleted``)."""
    query = select(*_ITEM_COLUMNS, ITEMS.c.description, ITEMS.c.reporter_external_id, ITEMS.c.resolution).where(
        ITEMS.c.id == item_id
    )
    if not include_deleted:
        query = query.where(ITEMS.c.deleted_at.is_(None))
    row = session.execute(query).mappings().one_or_none()
    if row is None:
        return None
    summary = summarise_items(session, [row], policy)[0]
    transitions = [
        TransitionPublic.model_validate(dict(t))
        for t in session.execute(
            select(TRANSITIONS)
            .where(TRANSITIONS.c.work_item_id == item_id)
            .order_by(TRANSITIONS.c.changed_at, TRANSITIONS.c.id)
            .limit(history_limit)
        ).mappings()
    ]
    findings = [
        ItemFindingPublic.model_validate(dict(f))
        for f in session.execute(
            select(FINDINGS)
            .where(FINDINGS.c.work_item_id == item_id)
            .order_by(FINDINGS.c.resolved_at.is_not(None), FINDINGS.c.id.desc())
        ).mappings()
    ]
    links = [
        LinkPublic(
            direction="outgoing",
            link_type=ln.link_type,
            origin=ln.origin,
            target_ref=ln.target_ref,
            other_item_id=ln.target_item_id,
        )
        for ln in session.execute(select(LINKS).where(LINKS.c.source_item_id == item_id).order_by(LINKS.c.id))
    ] + [
        LinkPublic(
            direction="incoming",
            link_type=ln.link_type,
            origin=ln.origin,
            target_ref=ln.target_ref,
            other_item_id=ln.source_item_id,
        )
        for ln in session.execute(select(LINKS).where(LINKS.c.target_item_id == item_id).order_by(LINKS.c.id))
    ]
    sprints = [
        SprintMembershipPublic.model_validate(dict(s))
        for s in session.execute(
            select(
                SPRINTS.c.id.label("sprint_id"),
                SPRINTS.c.name,
                SPRINTS.c.state,
                MEMBERSHIPS.c.added_at,
                MEMBERSHIPS.c.removed_at,
            )
            .join(SPRINTS, SPRINTS.c.id == MEMBERSHIPS.c.sprint_id)
            .where(MEMBERSHIPS.c.work_item_id == item_id)
            .order_by(SPRINTS.c.start_at, SPRINTS.c.id)
        ).mappings()
    ]
    return ItemDetail(
        **summary.model_dump(),
        description=row["description"],
        reporter_external_id=row["reporter_external_id"],
        resolution=row["resolution"],
        transitions=transitions,
        findings=findings,
        links=links,
        sprints=sprints,
    )
