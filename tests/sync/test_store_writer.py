"""StoreWriter on both dialects: idempotent batches, version guard, details of changed items, tombstones, cursors."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from connectors.records import (
    Batch,
    ContainerIn,
    CursorUpdate,
    Discovery,
    LinkIn,
    PersonIn,
    SprintIn,
    SprintMembershipIn,
    TransitionIn,
    WorkItemIn,
)
from models import Container, Person, PersonIdentity, SprintMembership, Transition, WorkItem, WorkItemLabel
from models.db import Database
from models.enums import ContainerKind, ItemType, LinkOrigin, SprintState, StatusCategory, Vendor
from sync.store import StoreWriter, ensure_connection, load_cursors

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def item(external_id: str, *, minutes: int = 0, status: str = "To Do", **changes: object) -> WorkItemIn:
    base = WorkItemIn(
        external_id=external_id,
        key=f"PAY-{external_id}",
        title=f"Item {external_id}",
        type=ItemType.STORY,
        status_raw=status,
        status_category=StatusCategory.TODO if status == "To Do" else StatusCategory.IN_PROGRESS,
        created_at=T0,
        updated_at=T0 + timedelta(minutes=minutes),
        version=f"{minutes:020d}",
        assignee_external_id="acct-1",
        labels=("backend", "q3"),
        container_external_id="10000",
        estimate=3.0,
        sprint_external_id="7",
        transitions=(TransitionIn("status", "Backlog", "To Do", T0 + timedelta(minutes=1), "cl-1", "acct-1"),),
        links=(LinkIn("https://trello.com/c/abc", "mentions", LinkOrigin.MENTION),),
        sprints=(SprintMembershipIn("7", added_at=T0),),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


DISCOVERY = Discovery(
    containers=(
        ContainerIn(ContainerKind.PROJECT, "10000", "Payments", key="PAY"),
        ContainerIn(ContainerKind.BOARD, "1", "Payments board", parent_external_id="10000"),
    ),
    people=(PersonIn("acct-1", "Ada Lovelace", "Ada@Example.com"), PersonIn("acct-2", "No Mail")),
    sprints=(SprintIn("7", "Sprint 7", SprintState.ACTIVE, board_external_id="1", start_at=T0),),
)


@pytest.fixture
def writer(database: Database) -> StoreWriter:
    connection_id = ensure_connection(database, name="jira", vendor="jira", base_url="http://127.0.0.1:8101")
    writer = StoreWriter(database, connection_id, Vendor.JIRA, clock=lambda: NOW)
    writer.apply_discovery(DISCOVERY)
    return writer


def count(database: Database, model: type) -> int:
    with database.read_session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def stored_item(database: Database, external_id: str) -> WorkItem:
    with database.read_session() as session:
        return session.exec(select(WorkItem).where(WorkItem.external_id == external_id)).one()[0]  # type: ignore[call-overload,no-any-return,arg-type]


def test_a_batch_stores_items_with_their_details(writer: StoreWriter, database: Database) -> None:
    outcome = writer.apply_batch(Batch(items=(item("1"), item("2")), cursor=CursorUpdate("jira.updated", "2026-06-01")))
    assert (outcome.items_seen, outcome.items_changed) == (2, 2)
    stored = stored_item(database, "1")
    assert stored.source == "jira"
    assert stored.status_category == "todo"
    assert stored.source_updated_at == T0
    assert stored.container_id is not None
    assert stored.assignee_person_id is not None
    assert count(database, WorkItemLabel) == 4
    assert count(database, Transition) == 2
    assert count(database, SprintMembership) == 2
    assert load_cursors(database, writer.connection_id) == {("*", "jira.updated"): "2026-06-01"}


def test_an_identical_batch_changes_nothing(writer: StoreWriter, database: Database) -> None:
    batch = Batch(items=(item("1"), item("2")))
    writer.apply_batch(batch)
    before = stored_item(database, "1")
    again = writer.apply_batch(batch)
    assert again.items_changed == 0
    after = stored_item(database, "1")
    assert after.updated_at == before.updated_at
    assert count(database, Transition) == 2


def test_an_older_version_never_overwrites_a_newer_one(writer: StoreWriter, database: Database) -> None:
    writer.apply_batch(Batch(items=(item("1", minutes=10, status="In Progress"),)))
    outcome = writer.apply_batch(Batch(items=(item("1", minutes=5, status="To Do"),)))
    assert outcome.items_changed == 0
    assert stored_item(database, "1").status_raw == "In Progress"


def test_a_newer_version_replaces_labels_and_adds_history(writer: StoreWriter, database: Database) -> None:
    writer.apply_batch(Batch(items=(item("1"),)))
    newer = item(
        "1",
        minutes=30,
        status="In Progress",
        labels=("frontend",),
        transitions=(
            TransitionIn("status", "Backlog", "To Do", T0 + timedelta(minutes=1), "cl-1"),
            TransitionIn("status", "To Do", "In Progress", T0 + timedelta(minutes=30), "cl-2"),
        ),
    )
    assert writer.apply_batch(Batch(items=(newer,))).items_changed == 1
    with database.read_session() as session:
        labels = session.execute(select(WorkItemLabel.label)).scalars().all()  # type: ignore[call-overload]
    assert labels == ["frontend"]
    assert count(database, Transition) == 2  # cl-1 stored once, cl-2 added


def test_people_are_unified_by_email_across_connections(writer: StoreWriter, database: Database) -> None:
    trello_id = ensure_connection(database, name="trello", vendor="trello", base_url="http://127.0.0.1:8102")
    trello = StoreWriter(database, trello_id, Vendor.TRELLO, clock=lambda: NOW)
    trello.apply_discovery(Discovery(people=(PersonIn("5f0000000000000000000001", "ada", "ada@example.com"),)))
    with database.read_session() as session:
        people = session.execute(select(PersonIdentity.person_id)).scalars().all()  # type: ignore[call-overload]
    assert count(database, Person) == 2  # Ada (two identities) and the person without e-mail
    assert len(people) == 3
    assert len(set(people)) == 2


def test_tombstones_and_revival(writer: StoreWriter, database: Database) -> None:
    writer.apply_batch(Batch(items=(item("1"), item("2"))))
    assert writer.tombstone(["1", "404"]) == 1
    assert stored_item(database, "1").deleted_at == NOW
    assert writer.tombstone(["1"]) == 0  # already tombstoned
    assert writer.apply_batch(Batch(items=(item("1"),))).items_changed == 1  # seen alive again
    assert stored_item(database, "1").deleted_at is None


def test_deletions_in_a_batch(writer: StoreWriter, database: Database) -> None:
    writer.apply_batch(Batch(items=(item("1"), item("2"))))
    assert writer.apply_batch(Batch(deleted_external_ids=("2",))).items_deleted == 1
    assert stored_item(database, "2").deleted_at == NOW


def test_the_cursor_only_advances_with_its_data(writer: StoreWriter, database: Database) -> None:
    writer.apply_batch(Batch(items=(item("1"),), cursor=CursorUpdate("jira.updated", "A")))
    poisoned = item("2", title=None)  # NOT NULL title: the transaction fails
    with pytest.raises(Exception, match=r"(?i)null"):
        writer.apply_batch(Batch(items=(poisoned,), cursor=CursorUpdate("jira.updated", "B")))
    assert load_cursors(database, writer.connection_id) == {("*", "jira.updated"): "A"}
    assert count(database, WorkItem) == 1


def test_containers_get_their_parents(writer: StoreWriter, database: Database) -> None:
    with database.read_session() as session:
        rows = {c.kind: c for c in session.exec(select(Container)).scalars()}  # type: ignore[call-overload]
    assert rows["board"].parent_id == rows["project"].id


def test_a_group_of_batches_is_one_transaction_cursors_included(writer: StoreWriter, database: Database) -> None:
    writer.apply_batch(Batch(items=(item("1"),), cursor=CursorUpdate("jira.updated", "A", scope="10000")))
    poisoned = item("3", title=None)  # NOT NULL title: the transaction fails
    group = [
        Batch(items=(item("2"),), cursor=CursorUpdate("jira.updated", "B", scope="10000")),
        Batch(items=(poisoned,), cursor=CursorUpdate("jira.updated", "C", scope="10001")),
    ]
    with pytest.raises(Exception, match=r"(?i)null"):
        writer.apply_batches(group)
    assert load_cursors(database, writer.connection_id) == {("10000", "jira.updated"): "A"}
    assert count(database, WorkItem) == 1
    outcomes = writer.apply_batches([group[0], Batch(items=(item("3"),), cursor=CursorUpdate("jira.updated", "C"))])
    assert [o.items_changed for o in outcomes] == [1, 1]
    assert load_cursors(database, writer.connection_id) == {
        ("10000", "jira.updated"): "B",
        ("*", "jira.updated"): "C",
    }
