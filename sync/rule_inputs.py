"""The rules' inputs: frozen snapshots of items, their history, links and sprints, read from the store in batches.

Rules never touch the database; this module is the only place that turns rows into what they read. Items stream
in id order (keyset pages), so memory stays bounded by one batch plus the small, organisation-wide maps
(containers, sprints, people).

Two meanings are fixed here:
- **team**: the policy's owner of the item's list/section, else of its project/board, else of that one's parent.
- **activity**: the latest change by a human: a transition of any field (comments included) whose author is not a
  bot (the policy's `bots`, or a person flagged as a bot); the creation counts. An item without any recorded
  history falls back to the connector's ``last_activity_at``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select, tuple_, update
from sqlalchemy.orm import Session

from core.policy import Policy, StatusMapping
from core.policy.status_mapping import normalise_status
from models.db import Database
from models.enums import ItemType, LinkOrigin, SprintState, StatusCategory, Vendor
from models.tables import (
    CONNECTIONS,
    CONTAINERS,
    ITEMS,
    LABELS,
    LINKS,
    MEMBERSHIPS,
    SPRINTS,
    TRANSITIONS,
)
from sync.links import PeopleDirectory, load_people_directory

__all__ = [
    "OPEN_CATEGORIES",
    "ChildRef",
    "ContainerInfo",
    "FieldChange",
    "ItemLink",
    "Organisation",
    "RuleItem",
    "SprintInfo",
    "SprintStay",
    "StatusResolver",
    "assign_container_teams",
    "is_open",
    "load_organisation",
    "read_items",
    "read_rule_items",
]

OPEN_CATEGORIES = frozenset(
    {StatusCategory.BACKLOG, StatusCategory.TODO, StatusCategory.IN_PROGRESS, StatusCategory.UNKNOWN}
)
STATUS_FIELD = "status"
DEFAULT_BATCH = 1_000


def is_open(category: StatusCategory) -> bool:
    """Open: not done and not cancelled."""
    return category in OPEN_CATEGORIES


def _category(value: str | None) -> StatusCategory | None:
    if value is None:
        return None
    try:
        return StatusCategory(value)
    except ValueError:
        return StatusCategory.UNKNOWN


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One recorded change of an item (status, assignee, sprint, estimate, labels, flag, comment, ...)."""

    field: str
    at: datetime
    from_value: str | None
    to_value: str | None
    from_category: StatusCategory | None
    to_category: StatusCategory | None
    human: bool


@dataclass(frozen=True, slots=True)
class SprintInfo:
    """A sprint as the rules see it."""

    id: int
    connection_id: int
    external_id: str
    name: str
    state: SprintState
    start_at: datetime | None
    end_at: datetime | None
    complete_at: datetime | None
    board_container_id: int | None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SprintStay:
    """An item's stay in a sprint."""

    sprint_id: int
    added_at: datetime | None
    removed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ItemLink:
    """A link from the item to another item (target resolved or not)."""

    link_type: str
    origin: str
    target_ref: str
    target_item_id: int | None
    target_source: str | None
    target_category: StatusCategory | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ChildRef:
    """What R13 needs of a child: its category and when it was resolved."""

    id: int
    category: StatusCategory
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class RuleItem:
    """One work item, normalised, with everything an item rule may read."""

    id: int
    source: Vendor
    connection_id: int
    connection: str
    external_id: str
    key: str | None
    title: str
    type: ItemType
    status_raw: str
    status_category: StatusCategory
    assignee_person_id: int | None
    assignee_external_id: str | None
    assignee_names: tuple[str, ...]
    labels: tuple[str, ...]
    estimate: float | None
    due: date | None
    flagged: bool
    parent_external_id: str | None
    epic_external_id: str | None
    sprint_external_id: str | None
    resolution: str | None
    created_at: datetime | None
    updated_at: datetime | None
    resolved_at: datetime | None
    last_activity_at: datetime | None
    url: str | None
    team: str | None
    container_id: int | None
    subcontainer_id: int | None
    history: tuple[FieldChange, ...] = ()
    sprints: tuple[SprintStay, ...] = ()
    links: tuple[ItemLink, ...] = ()
    ancestor_types: tuple[ItemType, ...] = ()
    children: tuple[ChildRef, ...] = ()
    description: str | None = None

    @property
    def is_open(self) -> bool:
        """Not done and not cancelled."""
        return is_open(self.status_category)

    @property
    def display(self) -> str:
        """How a message names the item: its Jira key, else its title."""
        if self.source is Vendor.JIRA and self.key:
            return self.key
        title = self.title if len(self.title) <= 60 else self.title[:57] + "..."
        return f'"{title}"'

    def status_changes(self) -> Iterator[FieldChange]:
        """Status transitions, oldest first."""
        return (change for change in self.history if change.field == STATUS_FIELD)


@dataclass(frozen=True, slots=True)
class ContainerInfo:
    """A container with its resolved team."""

    id: int
    connection_id: int
    kind: str
    external_id: str
    key: str | None
    name: str
    parent_id: int | None
    team: str | None
    url: str | None


class StatusResolver:
    """The category rules use: the policy's override of the raw status (team, connection, global), else the stored."""

    def __init__(self, mapping: StatusMapping) -> None:
        self._mapping = mapping
        self._cache: dict[tuple[str, str | None, str | None], StatusCategory | None] = {}

    def override(self, raw: str, team: str | None, connection: str | None) -> StatusCategory | None:
        """The policy's category for ``raw``, or None."""
        key = (normalise_status(raw), team, connection)
        if key not in self._cache:
            found = self._mapping.category_for(raw, team=team, connection=connection)
            self._cache[key] = StatusCategory(str(found)) if found is not None else None
        return self._cache[key]

    def category(
        self, raw: str | None, stored: StatusCategory | None, team: str | None, connection: str | None
    ) -> StatusCategory | None:
        """The effective category of ``raw`` (stored when no override applies)."""
        if raw is not None:
            found = self.override(raw, team, connection)
            if found is not None:
                return found
        return stored

    def is_blocked(self, raw: str, team: str | None, connection: str | None) -> bool:
        """Whether the policy lists ``raw`` as a blocked status."""
        return self._mapping.is_blocked(raw, team=team, connection=connection)


@dataclass
class Organisation:
    """The small, organisation-wide maps every pass needs: connections, containers and teams, sprints, people."""

    connections: dict[int, tuple[str, Vendor]]
    containers: dict[int, ContainerInfo]
    sprints: dict[int, SprintInfo]
    sprint_by_external: dict[tuple[int, str], SprintInfo]
    people: PeopleDirectory
    statuses: StatusResolver
    bot_accounts: frozenset[tuple[int, str]] = field(default_factory=frozenset)
    category_cache: dict[tuple[str | None, str | None, str | None, int], StatusCategory] = field(default_factory=dict)

    def team_of(self, container_id: int | None, subcontainer_id: int | None) -> str | None:
        """The owning team of an item in these containers."""
        for candidate in (subcontainer_id, container_id):
            if candidate is not None and candidate in self.containers:
                team = self.containers[candidate].team
                if team is not None:
                    return team
        return None

    def containers_of_team(self, team: str) -> list[int]:
        """Ids of every container (and sub-container) owned by ``team``."""
        return [c.id for c in self.containers.values() if c.team == team]

    def primary_container(self, container_id: int | None) -> ContainerInfo | None:
        """The top-level container (a list's board, a section's project)."""
        seen = 0
        current = self.containers.get(container_id) if container_id is not None else None
        while current is not None and current.parent_id is not None and seen < 8:
            parent = self.containers.get(current.parent_id)
            if parent is None:
                break
            current, seen = parent, seen + 1
        return current


# ---------------------------------------------------------------------------------------------------- teams


def _ref_matches(ref: Any, container: Mapping[str, Any], connection_id: int | None) -> bool:
    if connection_id is None or container["connection_id"] != connection_id:
        return False
    if ref.kind is not None and ref.kind.value != container["kind"]:
        return False
    if ref.id is not None:
        return bool(ref.id == container["external_id"])
    if ref.key is not None:
        return bool(container["key"] is not None and ref.key.casefold() == str(container["key"]).casefold())
    return bool(ref.name is not None and normalise_status(ref.name) == normalise_status(container["name"]))


def _resolve_container_teams(
    policy: Policy, rows: Sequence[Mapping[str, Any]], connection_ids: Mapping[str, int]
) -> dict[int, str | None]:
    """container id -> owning team: owned directly, else inherited from the parent container."""
    owned: dict[int, str] = {}
    for team_name, settings in policy.teams.items():
        for ref in settings.containers:
            connection_id = connection_ids.get(ref.connection)
            for row in rows:
                if _ref_matches(ref, row, connection_id):
                    owned.setdefault(int(row["id"]), team_name)
    parents = {int(row["id"]): row["parent_id"] for row in rows}
    resolved: dict[int, str | None] = {}
    for container_id in parents:
        current: int | None = container_id
        owner: str | None = None
        for _ in range(8):
            if current is None:
                break
            if current in owned:
                owner = owned[current]
                break
            current = parents.get(current)
        resolved[container_id] = owner
    return resolved


def load_organisation(database: Database, policy: Policy) -> Organisation:
    """Read connections, containers (with teams from the policy), sprints and people."""
    with database.read_session() as session:
        connections = {
            int(row.id): (str(row.name), Vendor(row.vendor))
            for row in session.execute(select(CONNECTIONS.c.id, CONNECTIONS.c.name, CONNECTIONS.c.vendor))
        }
        container_rows = [dict(row._mapping) for row in session.execute(select(CONTAINERS))]
        sprint_rows = session.execute(select(SPRINTS)).all()
        people = load_people_directory(session, policy, {cid: name for cid, (name, _) in connections.items()})
    connection_ids = {name: cid for cid, (name, _) in connections.items()}
    teams = _resolve_container_teams(policy, container_rows, connection_ids)
    containers = {
        int(row["id"]): ContainerInfo(
            id=int(row["id"]),
            connection_id=int(row["connection_id"]),
            kind=str(row["kind"]),
            external_id=str(row["external_id"]),
            key=row["key"],
            name=str(row["name"]),
            parent_id=row["parent_id"],
            team=teams.get(int(row["id"])),
            url=row["url"],
        )
        for row in container_rows
        if row["deleted_at"] is None
    }
    sprints: dict[int, SprintInfo] = {}
    for row in sprint_rows:
        board = containers.get(row.board_container_id) if row.board_container_id is not None else None
        sprints[int(row.id)] = SprintInfo(
            id=int(row.id),
            connection_id=int(row.connection_id),
            external_id=str(row.external_id),
            name=str(row.name),
            state=SprintState(row.state),
            start_at=row.start_at,
            end_at=row.end_at,
            complete_at=row.complete_at,
            board_container_id=row.board_container_id,
            url=board.url if board else None,
        )
    return Organisation(
        connections=connections,
        containers=containers,
        sprints=sprints,
        sprint_by_external={(s.connection_id, s.external_id): s for s in sprints.values()},
        people=people,
        statuses=StatusResolver(policy.status_mapping),
        bot_accounts=people.bot_accounts,
    )


def assign_container_teams(database: Database, organisation: Organisation) -> int:
    """Write each container's owning team (the ``container.team`` column); returns how many changed."""
    changed = 0
    with database.session() as session:
        stored = dict(session.execute(select(CONTAINERS.c.id, CONTAINERS.c.team)).all())
        for container in organisation.containers.values():
            if stored.get(container.id) != container.team:
                session.execute(update(CONTAINERS).where(CONTAINERS.c.id == container.id).values(team=container.team))
                changed += 1
        session.commit()
    return changed


# ---------------------------------------------------------------------------------------------------- items

_ITEM_COLUMNS = (
    ITEMS.c.id,
    ITEMS.c.connection_id,
    ITEMS.c.source,
    ITEMS.c.external_id,
    ITEMS.c.key,
    ITEMS.c.title,
    ITEMS.c.description,
    ITEMS.c.type,
    ITEMS.c.status_raw,
    ITEMS.c.status_category,
    ITEMS.c.assignee_external_id,
    ITEMS.c.assignee_person_id,
    ITEMS.c.reporter_external_id,
    ITEMS.c.estimate,
    ITEMS.c.due,
    ITEMS.c.flagged,
    ITEMS.c.container_id,
    ITEMS.c.subcontainer_id,
    ITEMS.c.parent_external_id,
    ITEMS.c.epic_external_id,
    ITEMS.c.sprint_external_id,
    ITEMS.c.resolution,
    ITEMS.c.url,
    ITEMS.c.source_created_at,
    ITEMS.c.source_updated_at,
    ITEMS.c.resolved_at,
    ITEMS.c.last_activity_at,
)


def read_items(
    database: Database,
    *,
    container_ids: Iterable[int] | None = None,
    item_ids: Iterable[int] | None = None,
    batch_size: int = DEFAULT_BATCH,
    resolved_since: datetime | None = None,
) -> Iterator[list[Any]]:
    """Live item rows in id order, one keyset page at a time (optionally only some containers, ids, or items
    resolved since a time)."""
    containers = sorted(set(container_ids)) if container_ids is not None else None
    wanted = sorted(set(item_ids)) if item_ids is not None else None
    if wanted is not None:
        for start in range(0, len(wanted), batch_size):
            chunk = wanted[start : start + batch_size]
            with database.read_session() as session:
                query = select(*_ITEM_COLUMNS).where(ITEMS.c.id.in_(chunk), ITEMS.c.deleted_at.is_(None))
                if containers is not None:
                    query = query.where(_in_containers(containers))
                rows = list(session.execute(query.order_by(ITEMS.c.id)).all())
            if rows:
                yield rows
        return
    last = 0
    while True:
        with database.read_session() as session:
            query = select(*_ITEM_COLUMNS).where(ITEMS.c.id > last, ITEMS.c.deleted_at.is_(None))
            if containers is not None:
                query = query.where(_in_containers(containers))
            if resolved_since is not None:
                query = query.where(ITEMS.c.resolved_at >= resolved_since)
            rows = list(session.execute(query.order_by(ITEMS.c.id).limit(batch_size)).all())
        if not rows:
            return
        last = int(rows[-1].id)
        yield rows


def _in_containers(containers: list[int]) -> Any:
    return or_(ITEMS.c.container_id.in_(containers), ITEMS.c.subcontainer_id.in_(containers))


def _grouped(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[int(getattr(row, key))].append(row)
    return grouped


class _BatchReader:
    """Turns one page of item rows into RuleItems with their history, links, sprints, ancestors and children."""

    def __init__(self, session: Session, organisation: Organisation) -> None:
        self.session = session
        self.org = organisation

    def team(self, row: Any) -> str | None:
        return self.org.team_of(row.container_id, row.subcontainer_id)

    def connection_name(self, connection_id: int) -> str:
        return self.org.connections.get(connection_id, ("?", Vendor.JIRA))[0]

    def category(self, raw: str | None, stored: str | None, team: str | None, connection_id: int) -> StatusCategory:
        key = (raw, stored, team, connection_id)
        cached = self.org.category_cache.get(key)
        if cached is None:
            found = self.org.statuses.category(raw, _category(stored), team, self.connection_name(connection_id))
            cached = found if found is not None else StatusCategory.UNKNOWN
            if len(self.org.category_cache) < 100_000:
                self.org.category_cache[key] = cached
        return cached

    def build(self, rows: Sequence[Any], *, full: bool = True) -> list[RuleItem]:
        ids = [int(row.id) for row in rows]
        changes = _grouped(
            self.session.execute(
                select(
                    TRANSITIONS.c.work_item_id,
                    TRANSITIONS.c.field,
                    TRANSITIONS.c.from_value,
                    TRANSITIONS.c.to_value,
                    TRANSITIONS.c.from_category,
                    TRANSITIONS.c.to_category,
                    TRANSITIONS.c.changed_at,
                    TRANSITIONS.c.author_external_id,
                )
                .where(TRANSITIONS.c.work_item_id.in_(ids))
                .order_by(TRANSITIONS.c.work_item_id, TRANSITIONS.c.changed_at, TRANSITIONS.c.id)
            ).all(),
            "work_item_id",
        )
        if not full:
            return [self._item(row, [], changes.get(int(row.id), []), [], [], (), ()) for row in rows]
        labels = _grouped(
            self.session.execute(
                select(LABELS.c.work_item_id, LABELS.c.label).where(LABELS.c.work_item_id.in_(ids))
            ).all(),
            "work_item_id",
        )
        stays = _grouped(
            self.session.execute(select(MEMBERSHIPS).where(MEMBERSHIPS.c.work_item_id.in_(ids))).all(),
            "work_item_id",
        )
        target = ITEMS.alias("target")
        links = _grouped(
            self.session.execute(
                select(
                    LINKS.c.source_item_id,
                    LINKS.c.link_type,
                    LINKS.c.origin,
                    LINKS.c.target_ref,
                    LINKS.c.target_item_id,
                    LINKS.c.created_at,
                    target.c.source.label("target_source"),
                    target.c.status_raw.label("target_raw"),
                    target.c.status_category.label("target_category"),
                    target.c.connection_id.label("target_connection"),
                    target.c.container_id.label("target_container"),
                    target.c.subcontainer_id.label("target_subcontainer"),
                )
                .select_from(LINKS.outerjoin(target, and_(target.c.id == LINKS.c.target_item_id)))
                .where(LINKS.c.source_item_id.in_(ids))
            ).all(),
            "source_item_id",
        )
        ancestors = self._ancestor_types(rows)
        children = self._children(rows)
        return [
            self._item(
                row,
                labels.get(int(row.id), []),
                changes.get(int(row.id), []),
                stays.get(int(row.id), []),
                links.get(int(row.id), []),
                ancestors.get(int(row.id), ()),
                children.get((int(row.connection_id), str(row.external_id)), ()),
            )
            for row in rows
        ]

    def _item(
        self,
        row: Any,
        labels: list[Any],
        changes: list[Any],
        stays: list[Any],
        links: list[Any],
        ancestor_types: tuple[ItemType, ...],
        children: tuple[ChildRef, ...],
    ) -> RuleItem:
        connection_id = int(row.connection_id)
        connection = self.connection_name(connection_id)
        team = self.team(row)
        history = tuple(self._change(change, team, connection_id) for change in changes)
        human_times = [change.at for change in history if change.human]
        created = row.source_created_at
        reporter_is_bot = (connection_id, row.reporter_external_id or "") in self.org.bot_accounts
        if created is not None and not reporter_is_bot:
            human_times.append(created)
        # Without any recorded history only the connector's own activity time is known.
        activity = max(human_times, default=created) if history else (row.last_activity_at or created)
        item_links = tuple(
            ItemLink(
                link_type=str(link.link_type),
                origin=str(link.origin),
                target_ref=str(link.target_ref),
                target_item_id=link.target_item_id,
                target_source=link.target_source,
                target_category=(
                    self.category(
                        link.target_raw,
                        link.target_category,
                        self.org.team_of(link.target_container, link.target_subcontainer),
                        int(link.target_connection),
                    )
                    if link.target_item_id is not None
                    else None
                ),
                created_at=link.created_at,
            )
            for link in links
        )
        return RuleItem(
            id=int(row.id),
            source=Vendor(row.source),
            connection_id=connection_id,
            connection=connection,
            external_id=str(row.external_id),
            key=row.key,
            title=str(row.title),
            description=row.description,
            type=_item_type(row.type),
            status_raw=str(row.status_raw),
            status_category=self.category(row.status_raw, row.status_category, team, connection_id),
            assignee_person_id=row.assignee_person_id,
            assignee_external_id=row.assignee_external_id,
            assignee_names=self.org.people.names_of(row.assignee_person_id),
            labels=tuple(sorted(str(label.label) for label in labels)),
            estimate=row.estimate,
            due=row.due,
            flagged=bool(row.flagged),
            parent_external_id=row.parent_external_id,
            epic_external_id=row.epic_external_id,
            sprint_external_id=row.sprint_external_id,
            resolution=row.resolution,
            created_at=created,
            updated_at=row.source_updated_at,
            resolved_at=row.resolved_at,
            last_activity_at=activity,
            url=row.url,
            team=team,
            container_id=row.container_id,
            subcontainer_id=row.subcontainer_id,
            history=history,
            sprints=tuple(
                SprintStay(int(stay.sprint_id), stay.added_at, stay.removed_at)
                for stay in sorted(stays, key=lambda s: int(s.sprint_id))
            ),
            links=item_links,
            ancestor_types=ancestor_types,
            children=children,
        )

    def _change(self, row: Any, team: str | None, connection_id: int) -> FieldChange:
        is_status = row.field == STATUS_FIELD
        return FieldChange(
            field=str(row.field),
            at=row.changed_at,
            from_value=row.from_value,
            to_value=row.to_value,
            from_category=(
                self.category(row.from_value, row.from_category, team, connection_id)
                if is_status and row.from_value is not None
                else None
            ),
            to_category=(
                self.category(row.to_value, row.to_category, team, connection_id)
                if is_status and row.to_value is not None
                else None
            ),
            human=(connection_id, row.author_external_id or "") not in self.org.bot_accounts,
        )

    def _attached_parents(self, rows: Sequence[Any]) -> dict[int, str]:
        """Trello cards have no parent field: a card attached to another card of the same connection (the epic
        card, or the story of a sub-task card) is its child. Item id -> the attached card's external id."""
        orphans = [int(r.id) for r in rows if r.source == Vendor.TRELLO and not r.parent_external_id]
        if not orphans:
            return {}
        source, target = ITEMS.alias("source"), ITEMS.alias("target")
        found: dict[int, str] = {}
        for start in range(0, len(orphans), 1_000):
            for link in self.session.execute(
                select(LINKS.c.source_item_id, target.c.external_id)
                .select_from(
                    LINKS.join(source, source.c.id == LINKS.c.source_item_id).join(
                        target, target.c.id == LINKS.c.target_item_id
                    )
                )
                .where(
                    LINKS.c.source_item_id.in_(orphans[start : start + 1_000]),
                    LINKS.c.origin == str(LinkOrigin.EXPLICIT),
                    target.c.connection_id == source.c.connection_id,
                    target.c.deleted_at.is_(None),
                )
                .order_by(LINKS.c.source_item_id, LINKS.c.id)
            ).all():
                found.setdefault(int(link.source_item_id), str(link.external_id))
        return found

    def _parent_keys(self, rows: Sequence[Any]) -> dict[int, tuple[int, str]]:
        """Each row's parent as (connection id, external id): the vendor's parent, else an attached Trello card."""
        attached = self._attached_parents(rows)
        keys: dict[int, tuple[int, str]] = {}
        for row in rows:
            parent = row.parent_external_id or attached.get(int(row.id))
            if parent:
                keys[int(row.id)] = (int(row.connection_id), str(parent))
        return keys

    def _ancestor_types(self, rows: Sequence[Any]) -> dict[int, tuple[ItemType, ...]]:
        """Types of each item's ancestors (parent, its parent, ...; an epic link counts as an epic ancestor)."""
        chains: dict[int, list[ItemType]] = {int(row.id): [] for row in rows}
        for row in rows:
            if row.epic_external_id:
                chains[int(row.id)].append(ItemType.EPIC)
        pending = self._parent_keys(rows)
        for _ in range(6):
            if not pending:
                break
            keys = sorted(set(pending.values()))
            parents = self.session.execute(
                select(
                    ITEMS.c.id,
                    ITEMS.c.source,
                    ITEMS.c.connection_id,
                    ITEMS.c.external_id,
                    ITEMS.c.type,
                    ITEMS.c.parent_external_id,
                    ITEMS.c.epic_external_id,
                ).where(tuple_(ITEMS.c.connection_id, ITEMS.c.external_id).in_(keys), ITEMS.c.deleted_at.is_(None))
            ).all()
            found = {(int(r.connection_id), str(r.external_id)): r for r in parents}
            grandparents = self._parent_keys(parents)
            following: dict[int, tuple[int, str]] = {}
            for item_id, key in pending.items():
                parent = found.get(key)
                if parent is None:
                    continue
                chains[item_id].append(_item_type(parent.type))
                if parent.epic_external_id:
                    chains[item_id].append(ItemType.EPIC)
                if int(parent.id) in grandparents and _item_type(parent.type) is not ItemType.EPIC:
                    following[item_id] = grandparents[int(parent.id)]
            pending = following
        return {item_id: tuple(chain) for item_id, chain in chains.items()}

    def _children(self, rows: Sequence[Any]) -> dict[tuple[int, str], tuple[ChildRef, ...]]:
        """Children of each item (by parent, or by epic link for epics), live ones only."""
        keys = sorted({(int(row.connection_id), str(row.external_id)) for row in rows})
        found: dict[tuple[int, str], dict[int, ChildRef]] = defaultdict(dict)
        for column in (ITEMS.c.parent_external_id, ITEMS.c.epic_external_id):
            for child in self.session.execute(
                select(
                    ITEMS.c.id,
                    ITEMS.c.connection_id,
                    column.label("parent"),
                    ITEMS.c.status_raw,
                    ITEMS.c.status_category,
                    ITEMS.c.resolved_at,
                    ITEMS.c.container_id,
                    ITEMS.c.subcontainer_id,
                ).where(tuple_(ITEMS.c.connection_id, column).in_(keys), ITEMS.c.deleted_at.is_(None))
            ).all():
                team = self.org.team_of(child.container_id, child.subcontainer_id)
                category = self.category(child.status_raw, child.status_category, team, int(child.connection_id))
                found[(int(child.connection_id), str(child.parent))][int(child.id)] = ChildRef(
                    int(child.id), category, child.resolved_at
                )
        self._attached_children(rows, found)
        return {key: tuple(sorted(children.values(), key=lambda c: c.id)) for key, children in found.items()}

    def _attached_children(self, rows: Sequence[Any], found: dict[tuple[int, str], dict[int, ChildRef]]) -> None:
        """Add the Trello cards whose parent is one of these rows' cards (see ``_attached_parents``)."""
        cards = {int(r.id): (int(r.connection_id), str(r.external_id)) for r in rows if r.source == Vendor.TRELLO}
        if not cards:
            return
        child = ITEMS.alias("child")
        ids = sorted(cards)
        for start in range(0, len(ids), 1_000):
            candidates = self.session.execute(
                select(
                    LINKS.c.target_item_id,
                    child.c.id,
                    child.c.source,
                    child.c.parent_external_id,
                    child.c.connection_id,
                    child.c.status_raw,
                    child.c.status_category,
                    child.c.resolved_at,
                    child.c.container_id,
                    child.c.subcontainer_id,
                )
                .select_from(LINKS.join(child, child.c.id == LINKS.c.source_item_id))
                .where(
                    LINKS.c.target_item_id.in_(ids[start : start + 1_000]),
                    LINKS.c.origin == str(LinkOrigin.EXPLICIT),
                    child.c.parent_external_id.is_(None),
                    child.c.deleted_at.is_(None),
                )
                .order_by(child.c.id, LINKS.c.id)
            ).all()
            attached = self._attached_parents(candidates)
            for row in candidates:
                parent = cards[int(row.target_item_id)]
                if (int(row.connection_id), attached.get(int(row.id))) != parent:
                    continue
                team = self.org.team_of(row.container_id, row.subcontainer_id)
                category = self.category(row.status_raw, row.status_category, team, int(row.connection_id))
                found[parent][int(row.id)] = ChildRef(int(row.id), category, row.resolved_at)


def _item_type(value: str | None) -> ItemType:
    try:
        return ItemType(value or "other")
    except ValueError:
        return ItemType.OTHER


def read_rule_items(
    database: Database,
    organisation: Organisation,
    *,
    container_ids: Iterable[int] | None = None,
    item_ids: Iterable[int] | None = None,
    batch_size: int = DEFAULT_BATCH,
    resolved_since: datetime | None = None,
    full: bool = True,
) -> Iterator[list[RuleItem]]:
    """RuleItems in batches: each batch is one page of items with everything read in a handful of queries.

    ``full=False`` reads the status history only (no labels, links, sprints, ancestors or children).
    """
    for rows in read_items(
        database,
        container_ids=container_ids,
        item_ids=item_ids,
        batch_size=batch_size,
        resolved_since=resolved_since,
    ):
        with database.read_session() as session:
            yield _BatchReader(session, organisation).build(rows, full=full)
