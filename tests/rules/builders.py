"""Small hand-made stores and rule inputs for the rules tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.records import Batch, ContainerIn, Discovery, PersonIn, SprintIn, TransitionIn, WorkItemIn
from core.policy import Policy, load_policy_text
from models.db import Database
from models.enums import ContainerKind, ItemType, StatusCategory, Vendor
from sync.rule_inputs import FieldChange, RuleItem
from sync.store import StoreWriter, ensure_connection

TOPICS = (
    "login", "invoices", "search", "onboarding", "exports", "billing", "avatars", "webhooks", "pricing", "reports",
    "sessions", "checkout", "calendar", "uploads", "filters", "sharing", "payroll", "tooltips", "archive", "metrics",
)  # fmt: skip
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
DAY = timedelta(days=1)

POLICY = """\
version: 1
connections:
  - {name: jira, vendor: jira, base_url: https://acme.atlassian.net, credentials: {email: a@b.c, api_token: t}}
  - {name: trello, vendor: trello, base_url: https://api.trello.com, credentials: {api_key: k, token: t}}
teams:
  web:
    containers: [{connection: jira, key: WEB}]
    timezone: Europe/Paris
  design:
    containers: [{connection: trello, id: board-1}]
bots:
  names: [Automation for Jira]
status_mapping:
  blocked: [Blocked]
"""


def policy(text: str = POLICY) -> Policy:
    return load_policy_text(text).policy


def transition(
    at: datetime,
    to: str,
    category: StatusCategory,
    *,
    source: str | None = None,
    source_category: StatusCategory | None = None,
    author: str = "u1",
    event: str | None = None,
) -> TransitionIn:
    return TransitionIn(
        field="status",
        from_value=source,
        to_value=to,
        changed_at=at,
        event_id=event or f"s-{at.timestamp():.0f}-{to}",
        author_external_id=author,
        from_category=source_category,
        to_category=category,
    )


def comment(at: datetime, author: str = "u1") -> TransitionIn:
    return TransitionIn("comment", None, "a comment", at, f"c-{at.timestamp():.0f}-{author}", author)


def jira_item(number: int, **fields: Any) -> WorkItemIn:
    """A Jira task in WEB, in To Do, estimated, created 10 days before NOW, unless told otherwise."""
    created = fields.pop("created_at", NOW - 10 * DAY)
    base: dict[str, Any] = {
        "external_id": str(10_000 + number),
        "key": f"WEB-{number}",
        "title": f"Rework the {TOPICS[number % len(TOPICS)]} flow",
        "type": ItemType.TASK,
        "status_raw": "To Do",
        "status_category": StatusCategory.TODO,
        "created_at": created,
        "updated_at": created,
        "estimate": 3.0,
        "container_external_id": "100",
        "url": f"https://acme.atlassian.net/browse/WEB-{number}",
        "reporter_external_id": "u1",
        "transitions": (transition(created, "To Do", StatusCategory.TODO, event=f"created-{number}"),),
    }
    base.update(fields)
    return WorkItemIn(**base)


def trello_card(number: int, **fields: Any) -> WorkItemIn:
    created = fields.pop("created_at", NOW - 10 * DAY)
    base: dict[str, Any] = {
        "external_id": f"card{number:020d}",
        "key": f"short{number:03d}",
        "title": f"Sketch {TOPICS[(number * 7 + 3) % len(TOPICS)]} screens",
        "type": ItemType.TASK,
        "status_raw": "To Do",
        "status_category": StatusCategory.TODO,
        "created_at": created,
        "updated_at": created,
        "estimate": 1.0,
        "container_external_id": "board-1",
        "subcontainer_external_id": "list-todo",
        "url": f"https://trello.com/c/short{number:03d}",
        "reporter_external_id": "t1",
        "transitions": (transition(created, "To Do", StatusCategory.TODO, author="t1", event=f"tc-{number}"),),
    }
    base.update(fields)
    return WorkItemIn(**base)


PEOPLE = (
    PersonIn("u1", "Ada Lovelace", "ada@acme.example"),
    PersonIn("u2", "Alan Turing", "alan@acme.example"),
    PersonIn("bot", "Automation for Jira", "automation@acme.example", True),
)
TRELLO_PEOPLE = (PersonIn("t1", "ada", "ada@acme.example"), PersonIn("t2", "grace", "grace@acme.example"))


class Store:
    """Writers for a Jira and a Trello connection."""

    def __init__(self, database: Database, sprints: Sequence[SprintIn] = ()) -> None:
        self.database = database
        jira_id = ensure_connection(database, name="jira", vendor="jira", base_url="https://acme.atlassian.net")
        trello_id = ensure_connection(database, name="trello", vendor="trello", base_url="https://api.trello.com")
        self.jira = StoreWriter(database, jira_id, Vendor.JIRA, clock=lambda: NOW)
        self.trello = StoreWriter(database, trello_id, Vendor.TRELLO, clock=lambda: NOW)
        self.jira.apply_discovery(
            Discovery(
                containers=(
                    ContainerIn(ContainerKind.PROJECT, "100", "Web", key="WEB"),
                    ContainerIn(ContainerKind.BOARD, "b1", "Web board"),
                ),
                people=PEOPLE,
                sprints=tuple(sprints),
            )
        )
        self.trello.apply_discovery(
            Discovery(
                containers=(
                    ContainerIn(ContainerKind.BOARD, "board-1", "Design"),
                    ContainerIn(ContainerKind.LIST, "list-todo", "To Do", parent_external_id="board-1"),
                    ContainerIn(ContainerKind.LIST, "list-doing", "Doing", parent_external_id="board-1"),
                    ContainerIn(ContainerKind.LIST, "list-done", "Done", parent_external_id="board-1"),
                ),
                people=TRELLO_PEOPLE,
            )
        )

    def put(self, *items: WorkItemIn) -> list[int]:
        jira = tuple(i for i in items if not i.external_id.startswith("card"))
        trello = tuple(i for i in items if i.external_id.startswith("card"))
        ids: list[int] = []
        if jira:
            ids += self.jira.apply_batch(Batch(items=jira)).changed_item_ids
        if trello:
            ids += self.trello.apply_batch(Batch(items=trello)).changed_item_ids
        return ids


def rule_item(**fields: Any) -> RuleItem:
    """A RuleItem for pure tests: an estimated Jira task of team web in To Do, created 10 days before NOW."""
    created = fields.pop("created_at", NOW - 10 * DAY)
    base: dict[str, Any] = {
        "id": 1,
        "source": Vendor.JIRA,
        "connection_id": 1,
        "connection": "jira",
        "external_id": "10001",
        "key": "WEB-1",
        "title": "Item",
        "type": ItemType.TASK,
        "status_raw": "To Do",
        "status_category": StatusCategory.TODO,
        "assignee_person_id": None,
        "assignee_external_id": None,
        "assignee_names": (),
        "labels": (),
        "estimate": 3.0,
        "due": None,
        "flagged": False,
        "parent_external_id": None,
        "epic_external_id": None,
        "sprint_external_id": None,
        "resolution": None,
        "created_at": created,
        "updated_at": created,
        "resolved_at": None,
        "last_activity_at": created,
        "url": "https://acme.atlassian.net/browse/WEB-1",
        "team": "web",
        "container_id": 1,
        "subcontainer_id": None,
        "history": (FieldChange("status", created, None, "To Do", None, StatusCategory.TODO, True),),
    }
    base.update(fields)
    return RuleItem(**base)


def status_change(
    at: datetime, source: str | None, target: str, source_category: StatusCategory | None, category: StatusCategory
) -> FieldChange:
    return FieldChange("status", at, source, target, source_category, category, True)
