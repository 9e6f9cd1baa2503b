"""The Asana emulator for the conformance suite: served in-process over real HTTP, changed through its REST API.

The minimum request count of a full sync (see docs/connectors.md, Asana):

    discovery   1 (workspaces) + ceil(P/100) (projects) + ceil(U/100) (users)
                + per project 1 (sections) + 1 (custom field settings)
    per project 1 (the Events API's 412 that hands out the sync token)
                + ceil(n/100) task pages + per task max(1, ceil(stories/100)) story pages
                + ceil(n/100) census pages

History has no bulk endpoint in Asana, so the story reads (one per task) belong to the minimum.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.config import ConnectorConfig
from emulators.asana import PLUGIN
from emulators.asana.context import AsanaContext
from emulators.config import EmulatorConfig
from emulators.org.model import Item, StatusKind
from emulators.server import running_server
from models.enums import StatusCategory, Vendor
from tests.connectors.conformance import ExpectedItem
from tests.fake_time import FakeTime

TOKEN = "emulator-token"
PAGE = 100


def pages(count: int) -> int:
    """Requests to list ``count`` records 100 at a time (an empty list still takes one)."""
    return max(1, math.ceil(count / PAGE))


def expected_category(context: AsanaContext, item: Item) -> StatusCategory:
    """The emulator's category, except that sections no default vocabulary knows are ``unknown`` for Baton."""
    status = context.catalog.teams[item.team].workflow.by_name(item.status)
    if status is not None and status.kind is StatusKind.INVENTED and item.status_category.is_open:
        return StatusCategory.UNKNOWN
    return StatusCategory(str(item.status_category))


@dataclass
class RunningAsana:
    """An Asana emulator on 127.0.0.1 and a connector config pointing at it."""

    config: ConnectorConfig
    context: AsanaContext
    url: str
    time: FakeTime = field(default_factory=FakeTime)

    def live_items(self) -> Iterator[Item]:
        """Every live task of every project, in page order."""
        store = self.context.runtime.store
        for team in self.context.catalog.teams:
            yield from store.iter_team(team.index)

    def expected_items(self) -> dict[str, ExpectedItem]:
        catalog = self.context.catalog
        expected = {}
        for item in self.live_items():
            parent = self.context.tasks.reference(item.parent)["gid"] if item.parent is not None else None
            expected[item.external_id] = ExpectedItem(
                external_id=item.external_id,
                status_category=expected_category(self.context, item),
                assignee_external_id=catalog.user_gid(item.assignee) if item.assignee is not None else None,
                estimate=item.estimate,
                parent_external_id=parent,
                sprint_external_id=None,
                due=item.due,
                labels=frozenset(item.labels),
                container_external_id=catalog.project_gid(item.team),
            )
        return expected

    def api(self) -> httpx.Client:
        """A plain client for the emulator's REST API (the harness's writes)."""
        return httpx.Client(base_url=self.url + "/api/1.0", headers={"Authorization": f"Bearer {TOKEN}"})

    def mutate(self, count: int, seed: int) -> None:
        """Complete, move, assign and delete tasks through Asana's write API."""
        rng = random.Random(seed)
        catalog = self.context.catalog
        items = list(self.live_items())
        chosen = rng.sample(items, min(count, len(items)))
        with self.api() as api:
            for n, item in enumerate(chosen):
                kind = ("complete", "move", "assign", "delete")[n % 4]
                gid = item.external_id
                if kind == "complete":
                    response = api.put(f"/tasks/{gid}", json={"data": {"completed": item.status_category.is_open}})
                elif kind == "move":
                    sections = catalog.sections(item.team)
                    target = rng.choice([s for s in sections if s["name"] != item.status])
                    response = api.post(f"/sections/{target['gid']}/addTask", json={"data": {"task": gid}})
                elif kind == "assign":
                    people = sorted(catalog.teams[item.team].members)
                    response = api.put(
                        f"/tasks/{gid}", json={"data": {"assignee": catalog.user_gid(rng.choice(people))}}
                    )
                else:
                    response = api.delete(f"/tasks/{gid}")
                response.raise_for_status()

    def minimum_full_sync_requests(self) -> int:
        catalog = self.context.catalog
        projects = len(catalog.teams)
        discovery = 1 + pages(projects) + pages(len(catalog.users())) + 2 * projects
        per_item = 0
        per_project = 0
        for team in catalog.teams:
            count = self.context.runtime.store.count(team.index)
            per_project += 1 + pages(count) * 2
        for item in self.live_items():
            per_item += pages(len(self.context.stories.stories(item.index)))
        return discovery + per_project + per_item


class AsanaHarness:
    """Serves the Asana emulator for a test."""

    vendor = Vendor.ASANA

    @contextmanager
    def running(self, *, seed: int, items: int, **options: Any) -> Iterator[RunningAsana]:
        emulator_config = EmulatorConfig(
            vendor="asana", seed=seed, items=items, credentials={"access_token": TOKEN}, **options
        )
        app = PLUGIN.build_app(emulator_config)
        context: AsanaContext = app.state.asana
        with running_server(app) as url:
            time = FakeTime()
            config = ConnectorConfig(
                name="asana-emulator",
                vendor=Vendor.ASANA,
                base_url=url,
                credentials={"token": TOKEN},
                time_source=time,
                timeout_seconds=10.0,
            )
            yield RunningAsana(config=config, context=context, url=url, time=time)


HARNESS = AsanaHarness()
