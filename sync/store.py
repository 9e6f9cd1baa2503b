"""Writes one connection's normalised records into the store: the only writer of vendor data.

Each batch (or each group of read-ahead batches) is one transaction: people, sprints, items (guarded by
version), and for the items that changed their labels, history, links and sprint memberships, then the
batch's cursor. A crash mid-batch leaves the store at the previous batch, cursor included; a re-run converges
and an identical re-run changes no row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import Session

from connectors.records import (
    Batch,
    ContainerIn,
    CursorUpdate,
    Discovery,
    PersonIn,
    QuarantinedItem,
    SprintIn,
    WorkItemIn,
)
from core.timeutil import Clock, utc_now
from models.db import Database
from models.enums import ContainerKind, Vendor
from models.tables import (
    CONNECTIONS,
    CONTAINERS,
    CURSORS,
    IDENTITIES,
    ITEMS,
    LABELS,
    LINKS,
    MEMBERSHIPS,
    PEOPLE,
    QUARANTINE,
    SPRINTS,
    TRANSITIONS,
)
from sync.upsert import upsert_rows, upsert_rows_returning, write_rows

__all__ = ["CENSUS_AT", "BatchOutcome", "StoreWriter", "ensure_connection", "load_census_times", "load_cursors"]

CENSUS_AT = "census.ids_at"  # per container: when its ids were last read in full

PRIMARY_KIND = {
    Vendor.JIRA: ContainerKind.PROJECT,
    Vendor.TRELLO: ContainerKind.BOARD,
    Vendor.ASANA: ContainerKind.PROJECT,
}
SUB_KIND = {Vendor.TRELLO: ContainerKind.LIST, Vendor.ASANA: ContainerKind.SECTION}
JIRA_BOARD_KIND = ContainerKind.BOARD


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


def ensure_connection(database: Database, *, name: str, vendor: str, base_url: str) -> int:
    """The id of the connection called ``name``, created or updated to ``vendor`` and ``base_url``."""
    with database.session() as session:
        upsert_rows(
            session,
            CONNECTIONS,
            [{"name": name, "vendor": vendor, "base_url": base_url}],
            key=("name",),
        )
        connection_id = session.execute(select(CONNECTIONS.c.id).where(CONNECTIONS.c.name == name)).scalar_one()
        session.commit()
    assert connection_id is not None
    return int(connection_id)


def load_cursors(database: Database, connection_id: int) -> dict[tuple[str, str], str]:
    """Every pull cursor of a connection, keyed by (scope, name) (the census times are not pull cursors)."""
    with database.read_session() as session:
        rows = session.execute(
            select(CURSORS.c.scope, CURSORS.c.name, CURSORS.c.value).where(
                CURSORS.c.connection_id == connection_id, CURSORS.c.name != CENSUS_AT
            )
        ).all()
    return {(scope, name): value for scope, name, value in rows}


def load_census_times(database: Database, connection_id: int) -> dict[str, datetime]:
    """When each container's ids were last read in full, by container external id."""
    with database.read_session() as session:
        rows = session.execute(
            select(CURSORS.c.scope, CURSORS.c.value).where(
                CURSORS.c.connection_id == connection_id, CURSORS.c.name == CENSUS_AT
            )
        ).all()
    return {scope: datetime.fromisoformat(value) for scope, value in rows}


@dataclass
class BatchOutcome:
    """What one batch did to the store."""

    items_seen: int = 0
    items_changed: int = 0
    items_deleted: int = 0
    changed_item_ids: list[int] = field(default_factory=list)


class StoreWriter:
    """Writes normalised records of one connection; ids of containers, people and sprints are cached."""

    def __init__(self, database: Database, connection_id: int, vendor: Vendor, clock: Clock = utc_now) -> None:
        self.database = database
        self.connection_id = connection_id
        self.vendor = vendor
        self.clock = clock
        self._containers: dict[tuple[str, str], int] = {}
        self._people: dict[str, int | None] = {}
        self._sprints: dict[str, int] = {}
        self._loaded = False

    # -- discovery ---------------------------------------------------------------------------------

    def apply_discovery(self, discovery: Discovery) -> None:
        """Store containers (with their parents), people and sprints."""
        with self.database.session() as session:
            self._load_maps(session)
            self._upsert_containers(session, discovery.containers)
            self._upsert_people(session, discovery.people)
            self._upsert_sprints(session, discovery.sprints)
            session.commit()

    def _upsert_containers(self, session: Session, containers: Sequence[ContainerIn]) -> None:
        if not containers:
            return
        now = self.clock()
        rows = [
            {
                "connection_id": self.connection_id,
                "kind": str(c.kind),
                "external_id": c.external_id,
                "key": c.key,
                "name": _clip(c.name, 500),
                "url": c.url,
                "first_seen_at": now,
                "last_seen_at": now,
                "deleted_at": None,
            }
            for c in containers
        ]
        upsert_rows(
            session,
            CONTAINERS,
            rows,
            key=("connection_id", "kind", "external_id"),
            keep_on_update=("first_seen_at",),
            touch=("last_seen_at",),
        )
        self._load_containers(session)
        by_external = {c.external_id: c for c in containers}
        for container in containers:
            if container.parent_external_id is None:
                continue
            parent = by_external.get(container.parent_external_id)
            parent_kind = str(parent.kind) if parent else str(PRIMARY_KIND[self.vendor])
            parent_id = self._containers.get((parent_kind, container.parent_external_id))
            child_id = self._containers[(str(container.kind), container.external_id)]
            session.execute(
                update(CONTAINERS)
                .where(CONTAINERS.c.id == child_id, CONTAINERS.c.parent_id.is_distinct_from(parent_id))
                .values(parent_id=parent_id)
            )

    def _upsert_people(self, session: Session, people: Iterable[PersonIn]) -> None:
        fresh = [p for p in people if p.external_id not in self._people]
        if not fresh:
            return
        now = self.clock()
        emails = sorted({p.email.lower() for p in fresh if p.email})
        if emails:
            upsert_rows(
                session,
                PEOPLE,
                [
                    {
                        "email": email,
                        "display_name": next(p.display_name for p in fresh if (p.email or "").lower() == email),
                    }
                    for email in emails
                ],
                key=("email",),
                update=False,
            )
        person_by_email: dict[str, int] = {}
        if emails:
            found = session.execute(select(PEOPLE.c.email, PEOPLE.c.id).where(PEOPLE.c.email.in_(emails))).all()
            person_by_email = {email: person_id for email, person_id in found}
        rows = []
        for person in fresh:
            person_id = person_by_email.get(person.email.lower()) if person.email else None
            if person_id is None and not person.email:
                person_id = session.execute(
                    PEOPLE.insert()
                    .values(display_name=_clip(person.display_name, 200) or "?", is_bot=person.is_bot, created_at=now)
                    .returning(PEOPLE.c.id)
                ).scalar_one()
            rows.append(
                {
                    "connection_id": self.connection_id,
                    "external_id": person.external_id,
                    "display_name": _clip(person.display_name, 200),
                    "email": person.email.lower() if person.email else None,
                    "person_id": person_id,
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
            )
        upsert_rows(
            session,
            IDENTITIES,
            rows,
            key=("connection_id", "external_id"),
            keep_on_update=("first_seen_at", "person_id"),
            touch=("last_seen_at",),
        )
        for external_id, person_id in session.execute(
            select(IDENTITIES.c.external_id, IDENTITIES.c.person_id).where(
                IDENTITIES.c.connection_id == self.connection_id,
                IDENTITIES.c.external_id.in_([p.external_id for p in fresh]),
            )
        ).all():
            self._people[external_id] = person_id

    def _upsert_sprints(self, session: Session, sprints: Sequence[SprintIn]) -> None:
        if not sprints:
            return
        rows = [
            {
                "connection_id": self.connection_id,
                "external_id": s.external_id,
                "name": _clip(s.name, 300),
                "state": str(s.state),
                "board_container_id": self._containers.get((str(JIRA_BOARD_KIND), s.board_external_id or "")),
                "goal": s.goal,
                "start_at": s.start_at,
                "end_at": s.end_at,
                "complete_at": s.complete_at,
            }
            for s in sprints
        ]
        upsert_rows(session, SPRINTS, rows, key=("connection_id", "external_id"))
        self._sprints.update(
            session.execute(
                select(SPRINTS.c.external_id, SPRINTS.c.id).where(SPRINTS.c.connection_id == self.connection_id)
            ).all()
        )

    # -- batches -----------------------------------------------------------------------------------

    def apply_batch(self, batch: Batch) -> BatchOutcome:
        """Store one batch and advance its cursor, atomically."""
        (outcome,) = self.apply_batches([batch])
        return outcome

    def apply_batches(self, batches: Sequence[Batch]) -> list[BatchOutcome]:
        """Store several batches, in order, and advance their cursors, in one transaction (all or none)."""
        with self.database.session() as session:
            self._load_maps(session)
            outcomes = [self._apply(session, batch) for batch in batches]
            session.commit()
        return outcomes

    def _apply(self, session: Session, batch: Batch) -> BatchOutcome:
        outcome = BatchOutcome(items_seen=len(batch.items))
        self._upsert_people(session, batch.people)
        self._upsert_sprints(session, batch.sprints)
        changed = self._upsert_items(session, batch.items)
        outcome.items_changed = len(changed)
        outcome.changed_item_ids = sorted(changed.values())
        self._write_item_details(session, batch.items, changed)
        outcome.items_deleted = self._tombstone(session, batch.deleted_external_ids)
        self._quarantine(session, batch.quarantined, recovered=[item.external_id for item in batch.items])
        if batch.cursor is not None:
            self._advance_cursor(session, batch.cursor)
        return outcome

    def mark_censused(self, container_external_ids: Sequence[str], at: datetime) -> None:
        """Remember when each container's ids were last read in full (``census.ids_at``, one transaction)."""
        if not container_external_ids:
            return
        with self.database.session() as session:
            for container in container_external_ids:
                self._advance_cursor(session, CursorUpdate(CENSUS_AT, at.isoformat(), scope=container))
            session.commit()

    def tombstone(self, external_ids: Sequence[str]) -> int:
        """Mark items deleted (they vanished from their tool); returns how many were live."""
        with self.database.session() as session:
            count = self._tombstone(session, external_ids)
            session.commit()
        return count

    def _item_row(self, item: WorkItemIn, now: datetime) -> dict[str, Any]:
        primary = str(PRIMARY_KIND[self.vendor])
        sub = SUB_KIND.get(self.vendor)
        return {
            "connection_id": self.connection_id,
            "source": str(self.vendor),
            "external_id": item.external_id,
            "key": item.key,
            "title": _clip(item.title, 2000),
            "description": item.description,
            "type": str(item.type),
            "status_raw": _clip(item.status_raw, 200),
            "status_category": str(item.status_category),
            "assignee_external_id": item.assignee_external_id,
            "assignee_person_id": self._people.get(item.assignee_external_id or ""),
            "reporter_external_id": item.reporter_external_id,
            "priority": _clip(item.priority, 50),
            "estimate": item.estimate,
            "due": item.due,
            "flagged": item.flagged,
            "container_id": self._containers.get((primary, item.container_external_id or "")),
            "subcontainer_id": self._containers.get((str(sub), item.subcontainer_external_id or "")) if sub else None,
            "parent_external_id": item.parent_external_id,
            "epic_external_id": item.epic_external_id,
            "sprint_external_id": item.sprint_external_id,
            "resolution": _clip(item.resolution, 100),
            "url": item.url,
            "source_created_at": item.created_at,
            "source_updated_at": item.updated_at,
            "source_version": item.version,
            "resolved_at": item.resolved_at,
            "last_activity_at": item.last_activity_at,
            "raw": item.raw,
            "first_seen_at": now,
            "last_seen_at": now,
            "updated_at": now,
            "deleted_at": None,
        }

    def _upsert_items(self, session: Session, items: Sequence[WorkItemIn]) -> dict[str, int]:
        if not items:
            return {}
        now = self.clock()
        rows = upsert_rows_returning(
            session,
            ITEMS,
            [self._item_row(item, now) for item in items],
            key=("connection_id", "external_id"),
            version=("source_updated_at", "source_version"),
            keep_on_update=("first_seen_at",),
            tombstone="deleted_at",
            returning=("external_id", "id"),
        )
        return {row[0]: row[1] for row in rows}

    def _write_item_details(self, session: Session, items: Sequence[WorkItemIn], changed: dict[str, int]) -> None:
        if not changed:
            return
        latest: dict[str, WorkItemIn] = {}
        for item in items:
            kept = latest.get(item.external_id)
            if kept is None or (kept.updated_at, kept.version) < (item.updated_at, item.version):
                latest[item.external_id] = item
        ids = list(changed.values())
        session.execute(delete(LABELS).where(LABELS.c.work_item_id.in_(ids)))
        session.execute(delete(LINKS).where(LINKS.c.source_item_id.in_(ids)))
        labels, transitions, links, memberships = [], [], [], []
        for external_id, item_id in changed.items():
            item = latest[external_id]
            labels += [{"work_item_id": item_id, "label": label[:200]} for label in sorted(set(item.labels))]
            transitions += [
                {
                    "work_item_id": item_id,
                    "field": t.field,
                    "from_value": _clip(t.from_value, 500),
                    "to_value": _clip(t.to_value, 500),
                    "from_category": str(t.from_category) if t.from_category else None,
                    "to_category": str(t.to_category) if t.to_category else None,
                    "changed_at": t.changed_at,
                    "author_external_id": t.author_external_id,
                    "event_id": t.event_id,
                }
                for t in item.transitions
            ]
            links += [
                {
                    "source_item_id": item_id,
                    "target_ref": link.target_ref[:1000],
                    "link_type": link.link_type,
                    "origin": str(link.origin),
                    "created_at": item.updated_at,
                }
                for link in {(ln.target_ref, ln.link_type): ln for ln in item.links}.values()
            ]
            memberships += [
                {
                    "sprint_id": self._sprints[m.sprint_external_id],
                    "work_item_id": item_id,
                    "added_at": m.added_at,
                    "removed_at": m.removed_at,
                }
                for m in item.sprints
                if m.sprint_external_id in self._sprints
            ]
        write_rows(session, LABELS, labels, key=("work_item_id", "label"), update=False)
        write_rows(session, TRANSITIONS, transitions, key=("work_item_id", "event_id", "field"), update=False)
        write_rows(session, LINKS, links, key=("source_item_id", "target_ref", "link_type"), update=False)
        write_rows(session, MEMBERSHIPS, memberships, key=("sprint_id", "work_item_id"))

    def _tombstone(self, session: Session, external_ids: Sequence[str]) -> int:
        if not external_ids:
            return 0
        now = self.clock()
        count = 0
        for start in range(0, len(external_ids), 1_000):
            chunk = list(external_ids[start : start + 1_000])
            result = session.execute(
                update(ITEMS)
                .where(
                    ITEMS.c.connection_id == self.connection_id,
                    ITEMS.c.external_id.in_(chunk),
                    ITEMS.c.deleted_at.is_(None),
                )
                .values(deleted_at=now, updated_at=now)
                .returning(ITEMS.c.id)
            )
            count += len(result.all())
        return count

    def _quarantine(self, session: Session, records: Sequence[QuarantinedItem], recovered: Sequence[str]) -> None:
        """Keep records that failed validation (with their raw JSON); forget those that now map."""
        if recovered:
            session.execute(
                delete(QUARANTINE).where(
                    QUARANTINE.c.connection_id == self.connection_id, QUARANTINE.c.external_id.in_(list(recovered))
                )
            )
        if not records:
            return
        now = self.clock()
        rows = [
            {
                "connection_id": self.connection_id,
                "external_id": record.external_id[:255],
                "reason": record.reason[:1000],
                "raw": record.raw,
                "first_seen_at": now,
                "last_seen_at": now,
            }
            for record in records
        ]
        upsert_rows(
            session,
            QUARANTINE,
            rows,
            key=("connection_id", "external_id"),
            keep_on_update=("first_seen_at",),
            touch=("last_seen_at",),
        )

    def _advance_cursor(self, session: Session, cursor: CursorUpdate) -> None:
        upsert_rows(
            session,
            CURSORS,
            [
                {
                    "connection_id": self.connection_id,
                    "scope": cursor.scope,
                    "name": cursor.name,
                    "value": cursor.value,
                    "updated_at": self.clock(),
                }
            ],
            key=("connection_id", "scope", "name"),
            touch=("updated_at",),
        )

    # -- caches ------------------------------------------------------------------------------------

    def _load_maps(self, session: Session) -> None:
        if self._loaded:
            return
        self._load_containers(session)
        self._people.update(
            session.execute(
                select(IDENTITIES.c.external_id, IDENTITIES.c.person_id).where(
                    IDENTITIES.c.connection_id == self.connection_id
                )
            ).all()
        )
        self._sprints.update(
            session.execute(
                select(SPRINTS.c.external_id, SPRINTS.c.id).where(SPRINTS.c.connection_id == self.connection_id)
            ).all()
        )
        self._loaded = True

    def _load_containers(self, session: Session) -> None:
        rows = session.execute(
            select(CONTAINERS.c.kind, CONTAINERS.c.external_id, CONTAINERS.c.id).where(
                CONTAINERS.c.connection_id == self.connection_id
            )
        ).all()
        self._containers = {(kind, external_id): container_id for kind, external_id, container_id in rows}
