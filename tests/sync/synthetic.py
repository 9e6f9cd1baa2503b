"""An in-process source implementing the Connector protocol, for the engine's own tests.

The vendor connectors are tested against the emulators over real HTTP; this source lets the engine's
orchestration (batching, cursors, census, tombstones, failures) be driven exactly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

from connectors.errors import UpstreamError
from connectors.records import Batch, ContainerIn, CursorUpdate, Discovery, PersonIn, WebhookDelivery, WorkItemIn
from models.enums import ContainerKind, ItemType, StatusCategory

T0 = datetime(2026, 5, 1, tzinfo=UTC)


class SyntheticSource:
    """Items in containers; ``pull`` pages them in ``updated`` order after the cursor."""

    def __init__(self, *, containers: int = 2, items_per_container: int = 50, page_size: int = 20) -> None:
        self.page_size = page_size
        self.containers = [ContainerIn(ContainerKind.PROJECT, str(100 + c), f"Project {c}") for c in range(containers)]
        self.items: dict[str, WorkItemIn] = {}
        self.tick = 0
        for c, container in enumerate(self.containers):
            for i in range(items_per_container):
                self.put(f"{c}-{i:04d}", container.external_id)
        self.fail_census_after: int | None = None
        self.fail_pull_after_pages: int | None = None
        self.census_calls = 0
        self.count_calls = 0
        self.reports_counts = False  # census_count answers (like Jira's approximate count) when True
        self.count_error: dict[str, int] = {}  # container -> added to the count it reports (a count that is off)

    def put(self, external_id: str, container: str, **changes: object) -> None:
        self.tick += 1
        base = self.items.get(external_id) or WorkItemIn(
            external_id=external_id,
            title=f"Item {external_id}",
            type=ItemType.TASK,
            status_raw="To Do",
            status_category=StatusCategory.TODO,
            created_at=T0,
            updated_at=T0,
            container_external_id=container,
            assignee_external_id="u1",
            labels=("l1",),
        )
        self.items[external_id] = dataclasses.replace(
            base,
            updated_at=T0 + timedelta(seconds=self.tick),
            version=f"{self.tick:012d}",
            **changes,  # type: ignore[arg-type]
        )

    def check(self) -> str:
        return "synthetic"

    def discover(self) -> Discovery:
        return Discovery(containers=tuple(self.containers), people=(PersonIn("u1", "User One", "u1@example.com"),))

    def pull(self, cursors: Mapping[tuple[str, str], str], *, full: bool = False) -> Iterator[Batch]:
        since = "" if full else cursors.get(("*", "synthetic.updated"), "")
        ordered = sorted(
            (i for i in self.items.values() if f"{i.updated_at.isoformat()}|{i.version}" > since),
            key=lambda i: (i.updated_at, i.version),
        )
        for page, start in enumerate(range(0, len(ordered), self.page_size)):
            if self.fail_pull_after_pages is not None and page >= self.fail_pull_after_pages:
                raise UpstreamError("HTTP 503: synthetic outage", status=503)
            chunk = ordered[start : start + self.page_size]
            last = chunk[-1]
            cursor = CursorUpdate("synthetic.updated", f"{last.updated_at.isoformat()}|{last.version}")
            yield Batch(items=tuple(chunk), cursor=cursor)

    def fetch(self, external_id: str) -> WorkItemIn | None:
        return self.items.get(external_id)

    def census_count(self, container: ContainerIn) -> int | None:
        if not self.reports_counts:
            return None
        self.count_calls += 1
        return self.count_error.get(container.external_id, 0) + sum(
            1 for i in self.items.values() if i.container_external_id == container.external_id
        )

    def census(self, container: ContainerIn) -> set[str]:
        self.census_calls += 1
        if self.fail_census_after is not None and self.census_calls > self.fail_census_after:
            raise UpstreamError("HTTP 500 during census", status=500)
        return {i.external_id for i in self.items.values() if i.container_external_id == container.external_id}

    def estimate_total(self) -> int | None:
        return len(self.items)

    @property
    def requests_made(self) -> int:
        return 0

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> bool:
        return False

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> tuple[WebhookDelivery, ...]:
        raise ValueError("the synthetic source sends no webhooks")
