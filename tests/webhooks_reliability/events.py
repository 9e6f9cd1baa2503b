"""A deterministic set of versioned Jira webhook events, the vendor state they describe, and its digest.

Entity ``n`` is the Jira issue ``id = 70000 + n``; its version ``v`` (1..V) carries the changelog id
``issue id * 100 + v`` (Baton's Jira version string) and an ``updated`` time that grows with ``v`` (with
``tied=True`` versions 2k-1 and 2k share ``updated``, so only the changelog id orders them). One event per
(entity, version), with a unique ``X-Atlassian-Webhook-Identifier`` and a real ``X-Hub-Signature``.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import migrations
from connectors.records import Batch, TransitionIn, WorkItemIn
from connectors.signatures import hmac_hex
from models.db import Database
from models.enums import ItemType, StatusCategory, Vendor
from sync.store import StoreWriter, ensure_connection
from tests.digest import store_digest
from tests.sync.synthetic import SyntheticSource
from tests.webhooks_reliability.sender import Delivery

__all__ = [
    "JIRA_SECRET",
    "VersionedEvent",
    "VersionedSource",
    "deliveries_twice_shuffled",
    "item_at",
    "jira_event_set",
    "reference_digest",
]

JIRA_SECRET = "reliability-jira-secret"
CONNECTION = {"name": "jira", "vendor": "jira", "base_url": "https://reliability.atlassian.net"}
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
FIRST_ISSUE_ID = 70_000
STATUSES = [("To Do", StatusCategory.TODO), ("In Progress", StatusCategory.IN_PROGRESS), ("Done", StatusCategory.DONE)]


def issue_id(entity: int) -> str:
    """The Jira issue id of entity ``entity``."""
    return str(FIRST_ISSUE_ID + entity)


def updated_at(version: int, *, tied: bool) -> datetime:
    """``updated`` of a version: one minute per version, or per pair of versions when ``tied``."""
    return T0 + timedelta(minutes=(version + 1) // 2 if tied else version)


def changelog_id(external_id: str, version: int) -> int:
    """The changelog id of a version: grows with the version, unique across issues."""
    return int(external_id) * 100 + version


def item_at(external_id: str, version: int, *, tied: bool = False) -> WorkItemIn:
    """What Jira holds for the issue at ``version``: every vendor field derived from (issue, version)."""
    status, category = STATUSES[version % len(STATUSES)]
    changed = updated_at(version, tied=tied)
    return WorkItemIn(
        external_id=external_id,
        key=f"REL-{int(external_id) - FIRST_ISSUE_ID + 1}",
        title=f"Issue {external_id} at version {version}",
        type=ItemType.TASK,
        status_raw=status,
        status_category=category,
        created_at=T0,
        updated_at=changed,
        version=f"{changelog_id(external_id, version):020d}",
        labels=(f"v{version}", "reliability"),
        estimate=float(version),
        container_external_id="100",
        raw={"id": external_id, "version": version},
        transitions=tuple(
            TransitionIn(
                field="status",
                from_value=STATUSES[(v - 1) % len(STATUSES)][0],
                to_value=STATUSES[v % len(STATUSES)][0],
                from_category=STATUSES[(v - 1) % len(STATUSES)][1],
                to_category=STATUSES[v % len(STATUSES)][1],
                changed_at=updated_at(v, tied=tied),
                event_id=str(changelog_id(external_id, v)),
            )
            for v in range(1, version + 1)
        ),
    )


@dataclass(frozen=True)
class VersionedEvent:
    """One Jira webhook: issue ``external_id`` changed to ``version``."""

    external_id: str
    version: int
    delivery_id: str
    body: bytes

    def delivery(self, connection: str = "jira") -> Delivery:
        """The signed POST Jira makes for this event (the same bytes on every retry)."""
        headers = (
            ("X-Hub-Signature", "sha256=" + hmac_hex(JIRA_SECRET.encode(), self.body)),
            ("X-Atlassian-Webhook-Identifier", self.delivery_id),
        )
        return Delivery(key=self.delivery_id, path=f"/webhooks/jira/{connection}", body=self.body, headers=headers)


def jira_event_set(entities: int, versions: int, *, tied: bool = False) -> list[VersionedEvent]:
    """``entities`` x ``versions`` unique events, entity-major."""
    events = []
    for entity in range(entities):
        external_id = issue_id(entity)
        for version in range(1, versions + 1):
            body = {
                "webhookEvent": "jira:issue_updated",
                "timestamp": int(updated_at(version, tied=tied).timestamp() * 1000),
                "issue": {
                    "id": external_id,
                    "key": f"REL-{entity + 1}",
                    "fields": {"summary": f"Issue {external_id} at version {version}"},
                },
                "changelog": {"id": str(changelog_id(external_id, version)), "items": [{"field": "status"}]},
            }
            delivery_id = f"whd-{external_id}-{version:03d}"
            events.append(VersionedEvent(external_id, version, delivery_id, json.dumps(body).encode()))
    return events


def deliveries_twice_shuffled(events: list[VersionedEvent], seed: int) -> list[Delivery]:
    """Every event's delivery twice (a vendor retry or duplicate), in a seeded random order."""
    deliveries = [event.delivery() for event in events for _ in range(2)]
    random.Random(seed).shuffle(deliveries)
    return deliveries


class VersionedSource(SyntheticSource):
    """Jira as the inbox processor reads it back: each issue at the version the test says it has reached."""

    def __init__(self, events: list[VersionedEvent], *, tied: bool = False) -> None:
        super().__init__(containers=1, items_per_container=0)
        self.tied = tied
        self.version_of = {event.external_id: 0 for event in events}
        self.version_by_delivery = {event.delivery_id: (event.external_id, event.version) for event in events}
        self.fetches = 0
        self._lock = threading.Lock()

    def serve(self, external_id: str, version: int) -> None:
        """From now on a read of the issue returns ``version`` (even an older one: a lagging replica)."""
        with self._lock:
            self.version_of[external_id] = version
            self.items[external_id] = item_at(external_id, version, tied=self.tied)

    def advance(self, delivery_key: str) -> None:
        """The change a delivery announces happens in Jira before the delivery is sent."""
        external_id, version = self.version_by_delivery[delivery_key]
        with self._lock:
            if version > self.version_of[external_id]:
                self.version_of[external_id] = version
                self.items[external_id] = item_at(external_id, version, tied=self.tied)

    def fetch(self, external_id: str) -> WorkItemIn | None:
        with self._lock:
            self.fetches += 1
            return self.items.get(external_id)


def max_versions(events: list[VersionedEvent]) -> dict[str, int]:
    """The newest version of every issue in the event set."""
    newest: dict[str, int] = {}
    for event in events:
        newest[event.external_id] = max(newest.get(event.external_id, 0), event.version)
    return newest


def reference_digest(events: list[VersionedEvent], directory: Path, *, tied: bool = False) -> str:
    """``store_digest`` of a fresh SQLite store holding each issue at its newest version, written directly.

    The expected outcome of delivering and processing ``events``, computed from the event set alone: a run
    on either dialect must end with exactly this digest (D4).
    """
    database = Database.from_url(f"sqlite:///{directory / 'reference.db'}")
    try:
        migrations.upgrade_to_head(database.engine)
        connection_id = ensure_connection(database, **CONNECTION)
        items = tuple(item_at(external_id, v, tied=tied) for external_id, v in sorted(max_versions(events).items()))
        StoreWriter(database, connection_id, Vendor.JIRA, clock=lambda: T0).apply_batch(Batch(items=items))
        return store_digest(database)
    finally:
        database.dispose()
