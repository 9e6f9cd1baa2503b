"""Jira Cloud in the conformance suite: the Jira emulator served in-process over real HTTP on 127.0.0.1."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.config import ConnectorConfig
from emulators.config import EmulatorConfig
from emulators.jira import build_app
from emulators.jira.context import JiraContext
from emulators.org.model import Item
from emulators.server import running_server
from models.enums import StatusCategory, Vendor
from tests.connectors.conformance import ExpectedItem

__all__ = ["HARNESS", "JiraHarness", "RunningJira"]

EMAIL = "baton@example.com"
TOKEN = "emulator-token"
SEARCH_PAGE = 100
IDS_PAGE = 5_000
AGILE_PAGE = 50
PROJECT_PAGE = 100
GROUP_PAGE = 50
ABANDONED = frozenset({"Won't Do", "Duplicate", "Cannot Reproduce"})  # the emulator's resolutions of unfinished work


@dataclass
class RunningJira:
    """A served Jira emulator, its state (for expectations) and a REST client for writes."""

    config: ConnectorConfig
    context: JiraContext
    base_url: str
    http: httpx.Client = field(repr=False)

    # ----- what the emulator holds ------------------------------------------------------------------------

    def live_items(self) -> Iterator[Item]:
        """Every live issue, project by project."""
        store = self.context.runtime.store
        for team in self.context.site.teams:
            yield from store.iter_team(team.index)

    def expected_items(self) -> dict[str, ExpectedItem]:
        store = self.context.runtime.store
        site = self.context.site
        expected: dict[str, ExpectedItem] = {}
        for item in self.live_items():
            parent = store.get(item.parent) if item.parent is not None else None
            category = StatusCategory(item.status_category.value)
            if category is StatusCategory.DONE and item.resolution in ABANDONED:
                # Jira keeps a "Won't Do" resolution when an issue moves on to Done without a resolution screen;
                # Baton reads done-with-an-abandoned-resolution as cancelled (docs/connectors.md, Jira).
                category = StatusCategory.CANCELLED
            expected[item.external_id] = ExpectedItem(
                external_id=item.external_id,
                status_category=category,
                assignee_external_id=None if item.assignee is None else site.account_id(item.assignee),
                estimate=item.estimate,
                parent_external_id=parent.external_id if parent is not None else None,
                sprint_external_id=None if item.sprint is None else str(item.sprint),
                due=item.due,
                labels=frozenset(item.labels),
                container_external_id=site.project_id(item.team),
            )
        return expected

    # ----- writes through the Jira REST API ---------------------------------------------------------------

    def mutate(self, count: int, seed: int) -> None:
        rng = random.Random(seed)
        site = self.context.site
        people = [site.account_id(p) for p in site.jira_people]
        live = [item.key for item in self.live_items()]
        children = self.children_by_key()
        for _ in range(count):
            key = rng.choice(live)
            roll = rng.random()
            if roll < 0.4:
                self.transition(key, rng)
            elif roll < 0.6:
                self.put(key, {"assignee": {"accountId": rng.choice(people)} if rng.random() < 0.85 else None})
            elif roll < 0.75:
                self.put(key, {site.fields.story_points: rng.choice([None, 1, 2, 3, 5, 8, 13])})
            elif roll < 0.85:
                self.put(key, {"labels": sorted(rng.sample(["api", "ux", "perf", "tech-debt", "customer"], 2))})
            elif roll < 0.9:
                self.put(key, {"duedate": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"})
            elif roll < 0.95:
                live.append(self.create(rng.choice(site.teams).key, f"Created by the harness {rng.random():.6f}"))
            else:
                for deleted in self.delete_with_children(key, children, live):
                    live.remove(deleted)

    def transition(self, key: str, rng: random.Random) -> None:
        """Move an issue to a random other status of its workflow."""
        offered = self.http.get(f"/rest/api/3/issue/{key}/transitions").raise_for_status().json()["transitions"]
        chosen = rng.choice(offered)
        self.http.post(
            f"/rest/api/3/issue/{key}/transitions", json={"transition": {"id": chosen["id"]}}
        ).raise_for_status()

    def create(self, project_key: str, summary: str, issue_type: str = "Task") -> str:
        """Create an issue; returns its key."""
        body = {"fields": {"project": {"key": project_key}, "issuetype": {"name": issue_type}, "summary": summary}}
        created = self.http.post("/rest/api/3/issue", json=body).raise_for_status().json()
        return str(created["key"])

    def put(self, key: str, fields: dict[str, Any]) -> None:
        """Edit fields of an issue."""
        self.http.put(f"/rest/api/3/issue/{key}", json={"fields": fields}).raise_for_status()

    def delete(self, key: str) -> None:
        """Delete an issue."""
        self.http.delete(f"/rest/api/3/issue/{key}").raise_for_status()

    def children_by_key(self) -> dict[str, list[str]]:
        """The keys of each live issue's live children (sub-tasks, an epic's issues)."""
        store = self.context.runtime.store
        children: dict[str, list[str]] = {}
        for item in self.live_items():
            parent = store.get(item.parent) if item.parent is not None else None
            if parent is not None:
                children.setdefault(parent.key, []).append(item.key)
        return children

    def delete_with_children(self, key: str, children: dict[str, list[str]], live: list[str]) -> list[str]:
        """Delete an issue's children (deepest first), then the issue, one REST call each; the deleted keys.

        Jira (and the emulator) answers 400 to deleting an issue with sub-tasks unless ``deleteSubtasks=true``;
        the harness deletes a parent only after its children, as a person doing it by hand would, so every
        deletion is a leaf's and is seen by the connector one issue at a time.
        """
        deleted: list[str] = []
        for child in children.pop(key, []):
            if child in live:
                deleted += self.delete_with_children(child, children, live)
        self.delete(key)
        return [*deleted, key]

    # ----- request budget ---------------------------------------------------------------------------------

    def minimum_full_sync_requests(self) -> int:
        """Discovery (serverInfo, myself, fields, statuses, project and board pages, each board's configuration
        and sprints, the users), the issue pages at 100, and one ids-only census page per 5,000 per project."""
        site = self.context.site
        store = self.context.runtime.store
        boards = len(site.teams)
        sprints_per_board = [len(site.org.sprints(t.index)) for t in site.teams]
        discovery = (
            4
            + math.ceil(len(site.teams) / PROJECT_PAGE)
            + max(1, math.ceil(boards / AGILE_PAGE))
            + boards
            + sum(max(1, math.ceil(n / AGILE_PAGE)) for n in sprints_per_board)
            + max(1, math.ceil(len(site.jira_people) / GROUP_PAGE))
        )
        live = sum(store.count(t.index) for t in site.teams)
        pages = max(1, math.ceil(live / SEARCH_PAGE))
        census = sum(max(1, math.ceil(store.count(t.index) / IDS_PAGE)) for t in site.teams)
        return discovery + pages + census


class JiraHarness:
    """Starts the Jira emulator for the conformance suite."""

    vendor = Vendor.JIRA

    @contextmanager
    def running(self, *, seed: int, items: int, **options: Any) -> Iterator[RunningJira]:
        credentials = {"email": EMAIL, "api_token": TOKEN}
        emulator = EmulatorConfig(vendor="jira", seed=seed, items=items, credentials=dict(credentials), **options)
        app = build_app(emulator)
        context: JiraContext = app.state.jira
        with running_server(app) as base_url, httpx.Client(base_url=base_url, auth=(EMAIL, TOKEN)) as http:
            config = ConnectorConfig(name="jira", vendor=Vendor.JIRA, base_url=base_url, credentials=credentials)
            yield RunningJira(config=config, context=context, base_url=base_url, http=http)


HARNESS = JiraHarness()
