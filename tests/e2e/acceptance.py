"""The issue #5 acceptance scenario, shared by tests/e2e/test_acceptance.py and bench/connector_acceptance.py.

Jira, Trello and Asana emulators are served over real HTTP on 127.0.0.1 by the conformance harnesses (in this
process, so their state is the oracle); `baton sync` runs as a child process against a policy file naming them.
Changes go through each vendor's write API over HTTP: Jira transitions, assignments, estimates, labels, due
dates, sprint moves, creates and deletes; Trello list moves, archives, restores, members, due dates, points and
deletes; Asana completions, section moves, assignments and deletes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import select

from connectors.http import SystemTime
from emulators.org.model import SprintState
from emulators.policy import RunningVendor as PolicyConnection
from emulators.policy import write_policy
from models.db import Database
from models.tables import CONNECTIONS, CONTAINERS, ITEMS, LABELS
from tests.connectors.conformance import ExpectedItem, RunningVendor, first_differences, normalise_for_compare
from tests.connectors.harness_asana import HARNESS as ASANA
from tests.connectors.harness_jira import HARNESS as JIRA
from tests.connectors.harness_jira import RunningJira
from tests.connectors.harness_trello import HARNESS as TRELLO

__all__ = ["differences", "move_jira_sprints", "serve_three_vendors", "stored_items", "write_three_vendor_policy"]


@contextmanager
def serve_three_vendors(*, items: int, seed: int) -> Iterator[dict[str, RunningVendor]]:
    """The three emulators with ``items`` items each, by vendor name."""
    with ExitStack() as stack:
        yield {
            "jira": stack.enter_context(JIRA.running(seed=seed, items=items)),
            "trello": stack.enter_context(TRELLO.running(seed=seed, items=items, time_source=SystemTime())),
            "asana": stack.enter_context(ASANA.running(seed=seed, items=items)),
        }


def write_three_vendor_policy(vendors: dict[str, RunningVendor], path: Path) -> Path:
    """A policy file with one connection per served emulator (its literal emulator credentials)."""
    connections = [
        PolicyConnection(v.config.name, str(v.config.vendor), v.config.base_url, dict(v.config.credentials))
        for v in vendors.values()
    ]
    return write_policy(path, connections)


def stored_items(database: Database, connection: str) -> dict[str, ExpectedItem]:
    """The live items of one connection in the store, in the terms of :class:`ExpectedItem`."""
    with database.read_session() as session:
        connection_id = session.execute(select(CONNECTIONS.c.id).where(CONNECTIONS.c.name == connection)).scalar_one()
        rows = (
            session.execute(select(ITEMS).where(ITEMS.c.connection_id == connection_id, ITEMS.c.deleted_at.is_(None)))
            .mappings()
            .all()
        )
        labels: dict[int, set[str]] = {}
        for item_id, label in session.execute(
            select(LABELS.c.work_item_id, LABELS.c.label)
            .join(ITEMS, ITEMS.c.id == LABELS.c.work_item_id)
            .where(ITEMS.c.connection_id == connection_id)
        ):
            labels.setdefault(item_id, set()).add(label)
        containers = dict(
            session.execute(
                select(CONTAINERS.c.id, CONTAINERS.c.external_id).where(CONTAINERS.c.connection_id == connection_id)
            ).all()
        )
    return {
        row["external_id"]: ExpectedItem(
            external_id=row["external_id"],
            status_category=row["status_category"],
            assignee_external_id=row["assignee_external_id"],
            estimate=row["estimate"],
            parent_external_id=row["parent_external_id"],
            sprint_external_id=row["sprint_external_id"],
            due=row["due"],
            labels=frozenset(labels.get(row["id"], set())),
            container_external_id=containers.get(row["container_id"]),
        )
        for row in rows
    }


def differences(database: Database, vendor: RunningVendor) -> tuple[int, list[str]]:
    """(how many items differ between the emulator and the store, a few of them described)."""
    expected = normalise_for_compare(vendor.expected_items())
    actual = normalise_for_compare(stored_items(database, vendor.config.name))
    differing = sum(1 for key in set(expected) | set(actual) if expected.get(key) != actual.get(key))
    return differing, list(first_differences(expected, actual))


def move_jira_sprints(jira: RunningJira, count: int, seed: int) -> None:
    """Move ``count`` issues to another open sprint of their board via ``PUT /issue`` (REST).

    Only active and future sprints are targets: Jira does not assign issues to a closed sprint. Moves to the
    backlog are left out: the Sprint field of such an issue still lists the closed sprints it was in, and Baton
    reads the last of them as its sprint, as it does for the emulator's generated unfinished issues.
    """
    rng = random.Random(seed)
    site = jira.context.site
    live = sorted(jira.live_items(), key=lambda item: item.external_id)
    for item in rng.sample(live, min(count, len(live))):
        sprints = [
            s.id for s in site.org.sprints(item.team) if s.state is not SprintState.CLOSED and s.id != item.sprint
        ]
        if sprints:
            jira.put(item.key, {site.fields.sprint: rng.choice(sprints)})
