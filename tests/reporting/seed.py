"""A small hand-made store for the report tests: two teams, a stale and an aging item, an overdue one, an active
sprint with scope added late and an item carried over, an unmapped status, done items for the flow charts, and the
findings a rules sweep raises over it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import update

from connectors.records import SprintIn, SprintMembershipIn
from core.policy import Policy
from models.db import Database
from models.enums import SprintState, StatusCategory
from models.tables import CONNECTIONS
from sync.rules.evaluate import run_sweep
from tests.rules.builders import DAY, NOW, POLICY, Store, jira_item, policy, transition, trello_card

C = StatusCategory
REPORT_DATE = date(2026, 3, 4)  # NOW's date (UTC, the default schedules time zone)
SPRINTS = (
    SprintIn("s1", "Sprint 1", SprintState.CLOSED, "b1", start_at=NOW - 19 * DAY, end_at=NOW - 5 * DAY),
    SprintIn("s2", "Sprint 2", SprintState.ACTIVE, "b1", start_at=NOW - 5 * DAY, end_at=NOW + 9 * DAY),
)
REPORT_POLICY = (
    POLICY
    + """\
schedules:
  sync:
    default: "*/15 * * * *"
"""
)


def report_policy(extra: str = "") -> Policy:
    return policy(REPORT_POLICY + extra)


def _started(number: int, days_ago: float, **fields: Any) -> Any:
    created = NOW - 30 * DAY
    return jira_item(
        number,
        created_at=created,
        status_raw="In Progress",
        status_category=C.IN_PROGRESS,
        updated_at=NOW - days_ago * DAY,
        transitions=(
            transition(created, "To Do", C.TODO, event=f"c{number}"),
            transition(NOW - days_ago * DAY, "In Progress", C.IN_PROGRESS, source="To Do", source_category=C.TODO),
        ),
        **fields,
    )


def _done(number: int, started_days: float, done_days: float) -> Any:
    created = NOW - 40 * DAY
    return jira_item(
        number,
        created_at=created,
        status_raw="Done",
        status_category=C.DONE,
        resolution="Done",
        resolved_at=NOW - done_days * DAY,
        updated_at=NOW - done_days * DAY,
        transitions=(
            transition(created, "To Do", C.TODO, event=f"c{number}"),
            transition(NOW - started_days * DAY, "In Progress", C.IN_PROGRESS, source="To Do", source_category=C.TODO),
            transition(NOW - done_days * DAY, "Done", C.DONE, source="In Progress", source_category=C.IN_PROGRESS),
        ),
    )


def seed_store(database: Database, *, last_success: datetime | None = NOW) -> Store:
    """Write the items, mark both connections synced at ``last_success``, and run a rules sweep at NOW."""
    store = Store(database, sprints=SPRINTS)
    store.put(
        _started(1, 8, assignee_external_id="u1"),  # R02 stale in progress (and R03 aging)
        _started(2, 1, assignee_external_id="u2"),
        jira_item(3, due=(NOW - 5 * DAY).date(), assignee_external_id="u1"),  # R08 overdue
        jira_item(4, sprint_external_id="s2", sprints=(SprintMembershipIn("s2", added_at=NOW - 1 * DAY),)),
        jira_item(5, sprint_external_id="s2", sprints=(SprintMembershipIn("s2", added_at=NOW - 5 * DAY),)),
        jira_item(
            6,
            sprint_external_id="s2",
            sprints=(
                SprintMembershipIn("s1", added_at=NOW - 19 * DAY, removed_at=NOW - 5 * DAY),
                SprintMembershipIn("s2", added_at=NOW - 5 * DAY),
            ),
        ),
        jira_item(7, status_raw="Triage", status_category=C.UNKNOWN),  # R18 unmapped status
        _done(8, started_days=12, done_days=2),
        _done(9, started_days=20, done_days=9),
        _done(10, started_days=6, done_days=1),
        trello_card(1, status_raw="Doing", status_category=C.IN_PROGRESS, subcontainer_external_id="list-doing"),
        trello_card(2),
    )
    with database.session() as session:
        session.execute(update(CONNECTIONS).values(last_success_at=last_success))
        session.commit()
    run_sweep(database, report_policy(), NOW)
    return store
