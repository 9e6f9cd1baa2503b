"""P11: an ``undeleted`` event revives a tombstoned task (the emulator cannot undelete, so a stub Asana answers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.asana import AsanaConnector
from connectors.asana.client import AsanaLimits, EventsPage, Page, SyncTokenExpired
from connectors.config import ConnectorConfig
from connectors.errors import NotFound
from models.db import Database
from models.enums import Vendor
from sync.engine import run_sync
from sync.store import ensure_connection
from tests.connectors.test_conformance import stored_items

PROJECT = "p1"


class StubAsana:
    """Just enough of AsanaClient: one project, two tasks, scripted events."""

    limits = AsanaLimits(workers=2)
    requests_made = 0

    def __init__(self) -> None:
        self.deleted: set[str] = set()
        self.events_script: list[list[dict[str, Any]]] = []
        self.tasks = {gid: self.record(gid) for gid in ("t1", "t2")}

    @staticmethod
    def record(gid: str) -> dict[str, Any]:
        return {
            "gid": gid,
            "name": gid,
            "completed": False,
            "modified_at": "2026-01-01T00:00:00.000Z",
            "memberships": [{"project": {"gid": PROJECT}, "section": {"gid": "s1", "name": "To Do"}}],
        }

    def workspaces(self) -> Iterator[dict[str, Any]]:
        yield {"gid": "w"}

    def projects(self, workspace: str) -> Iterator[dict[str, Any]]:
        yield {"gid": PROJECT, "name": "Project"}

    def sections(self, project: str) -> Iterator[dict[str, Any]]:
        yield {"gid": "s1", "name": "To Do"}

    def custom_field_settings(self, project: str) -> Iterator[dict[str, Any]]:
        return iter(())

    def users(self, workspace: str) -> Iterator[dict[str, Any]]:
        yield {"gid": "u1", "name": "U", "email": "u@acme.example"}

    def events(self, resource: str, sync: str | None) -> EventsPage:
        if sync is None:
            raise SyncTokenExpired("412", fresh="tok-0")
        number = int(sync.split("-")[1])
        events = self.events_script[number] if number < len(self.events_script) else []
        return EventsPage(events, f"tok-{number + (1 if events else 0)}", False)

    def task_page(self, project: str, fields: Any, offset: str | None, modified_since: str | None = None) -> Page:
        return Page([t for gid, t in sorted(self.tasks.items()) if gid not in self.deleted], None)

    def gid_page(self, kind: str, container: str, offset: str | None) -> Page:
        return Page([{"gid": gid} for gid in sorted(self.tasks) if gid not in self.deleted], None)

    def task_count(self, project: str) -> int:
        return len(set(self.tasks) - self.deleted)

    def stories(self, task: str, fields: Any) -> list[dict[str, Any]]:
        return []

    def stories_of_many(self, tasks: Any, fields: Any) -> dict[str, list[dict[str, Any]] | None]:
        return {task: None if task in self.deleted else [] for task in tasks}

    def task(self, gid: str, fields: Any = ()) -> dict[str, Any]:
        if gid in self.deleted:
            raise NotFound("404")
        return self.tasks[gid]

    def close(self) -> None:
        pass


@pytest.mark.reliability
def test_an_undeleted_event_revives_the_tombstoned_task(database: Database) -> None:
    stub = StubAsana()
    config = ConnectorConfig(name="stub", vendor=Vendor.ASANA, base_url="http://asana.test", credentials={})
    connection_id = ensure_connection(database, name="stub", vendor="asana", base_url="http://asana.test")

    def sync(full: bool) -> None:
        connector = AsanaConnector(config, client=stub)  # type: ignore[arg-type]
        report = run_sync(database, connection_id=connection_id, vendor=Vendor.ASANA, connector=connector, full=full)
        assert report.status == "succeeded", report.errors

    sync(full=True)
    assert set(stored_items(database)) == {"t1", "t2"}
    stub.deleted.add("t2")
    stub.events_script = [[{"action": "deleted", "resource": {"gid": "t2", "resource_type": "task"}}]]
    sync(full=False)
    assert set(stored_items(database)) == {"t1"}
    stub.deleted.clear()
    stub.events_script.append([{"action": "undeleted", "resource": {"gid": "t2", "resource_type": "task"}}])
    sync(full=False)
    assert set(stored_items(database)) == {"t1", "t2"}
