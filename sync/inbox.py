"""Processing the webhook inbox: claim rows, re-read each entity from its tool, upsert it like a sync.

A claim is a lease: the row turns ``processing`` with ``next_attempt_at`` one lease ahead, so a worker that
dies leaves rows another worker (or the restarted one) picks up once the lease runs out. PostgreSQL claims
with ``FOR UPDATE SKIP LOCKED`` so workers never wait on each other; SQLite serialises claims in its write
transaction. A failure backs off exponentially (with jitter); after ``max_attempts`` the row is dead-lettered
until ``replay_dead_letters`` puts it back.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from connectors.base import Connector
from connectors.records import Batch, WorkItemIn
from core.timeutil import Clock, utc_now
from models.db import Database
from models.enums import Vendor, WebhookEventStatus
from models.tables import CONNECTIONS, ITEMS, WEBHOOK_EVENTS
from sync.store import StoreWriter

__all__ = [
    "ClaimedEvent",
    "InboxPolicy",
    "InboxProcessor",
    "ProcessOutcome",
    "claim_events",
    "replay_dead_letters",
]

log = logging.getLogger(__name__)

PENDING = str(WebhookEventStatus.PENDING)
PROCESSING = str(WebhookEventStatus.PROCESSING)
DONE = str(WebhookEventStatus.DONE)
DEAD = str(WebhookEventStatus.DEAD)


@dataclass(frozen=True)
class InboxPolicy:
    """Retry and lease settings of inbox processing."""

    max_attempts: int = 5
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 600.0
    lease_seconds: float = 120.0
    batch_size: int = 100

    def delay_after(self, attempts: int, rng: random.Random) -> timedelta:
        """Back-off before the next attempt: exponential in ``attempts``, jittered between 50 % and 100 %."""
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (attempts - 1))
        return timedelta(seconds=ceiling * rng.uniform(0.5, 1.0))


@dataclass(frozen=True)
class ClaimedEvent:
    """An inbox row this worker holds the lease on."""

    id: int
    connection_id: int
    source: str
    entity_external_id: str | None
    attempts: int


def claim_events(database: Database, *, now: datetime, policy: InboxPolicy) -> list[ClaimedEvent]:
    """Lease up to ``batch_size`` due rows (pending, or processing with an expired lease)."""
    due = and_(
        or_(WEBHOOK_EVENTS.c.status == PENDING, WEBHOOK_EVENTS.c.status == PROCESSING),
        WEBHOOK_EVENTS.c.next_attempt_at <= now,
    )
    candidates = (
        select(WEBHOOK_EVENTS.c.id)
        .where(due)
        .order_by(WEBHOOK_EVENTS.c.next_attempt_at, WEBHOOK_EVENTS.c.id)
        .limit(policy.batch_size)
    )
    if database.dialect == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    lease_end = now + timedelta(seconds=policy.lease_seconds)
    with database.session() as session:
        ids = list(session.execute(candidates).scalars())
        if not ids:
            session.commit()
            return []
        rows = session.execute(
            update(WEBHOOK_EVENTS)
            .where(WEBHOOK_EVENTS.c.id.in_(ids), due)
            .values(status=PROCESSING, attempts=WEBHOOK_EVENTS.c.attempts + 1, next_attempt_at=lease_end)
            .returning(
                WEBHOOK_EVENTS.c.id,
                WEBHOOK_EVENTS.c.connection_id,
                WEBHOOK_EVENTS.c.source,
                WEBHOOK_EVENTS.c.entity_external_id,
                WEBHOOK_EVENTS.c.attempts,
            )
        ).all()
        session.commit()
    return [ClaimedEvent(int(r[0]), int(r[1]), str(r[2]), r[3], int(r[4])) for r in rows]


def replay_dead_letters(database: Database, *, now: datetime, event_ids: Sequence[int] | None = None) -> int:
    """Put dead-lettered rows (all, or ``event_ids``) back in the queue with a fresh attempt count."""
    query = update(WEBHOOK_EVENTS).where(WEBHOOK_EVENTS.c.status == DEAD)
    if event_ids is not None:
        query = query.where(WEBHOOK_EVENTS.c.id.in_(list(event_ids)))
    with database.session() as session:
        replayed = session.execute(
            query.values(status=PENDING, attempts=0, next_attempt_at=now, last_error=None).returning(
                WEBHOOK_EVENTS.c.id
            )
        ).all()
        session.commit()
    return len(replayed)


ConnectorFor = Callable[[int], Connector]
"""The connector of a connection id."""


@dataclass
class ProcessOutcome:
    """What one pass of the worker did."""

    claimed: int = 0
    done: int = 0
    retried: int = 0
    dead: int = 0
    applied: int = 0
    stale_skipped: int = 0
    changed_item_ids: list[int] = field(default_factory=list)

    def add(self, other: ProcessOutcome) -> None:
        """Fold another pass's counts into this one."""
        self.claimed += other.claimed
        self.done += other.done
        self.retried += other.retried
        self.dead += other.dead
        self.applied += other.applied
        self.stale_skipped += other.stale_skipped
        self.changed_item_ids += other.changed_item_ids


class InboxProcessor:
    """Applies claimed events: each entity is re-read once per pass and written through ``StoreWriter``.

    Of the events done in a pass, an entity's re-read that changed the store counts one event ``applied``;
    every other event of that entity (coalesced in the same re-read, or whose re-read found nothing newer than
    the store: a replay, a duplicate, an out-of-order delivery) counts ``stale_skipped``. ``totals`` keeps
    the counts of every pass since the processor was built.
    """

    def __init__(
        self,
        database: Database,
        connector_for: ConnectorFor,
        *,
        policy: InboxPolicy | None = None,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        on_changed: Callable[[Collection[int]], object] | None = None,
    ) -> None:
        self.database = database
        self.on_changed = on_changed  # e.g. sync.rules.on_change.changed_items_hook: rules on what a pass changed
        self.connector_for = connector_for
        self.policy = policy or InboxPolicy()
        self.clock = clock
        self.rng = rng or random.Random()
        self._vendors: dict[int, Vendor] = {}
        self._totals_lock = threading.Lock()
        self._totals = ProcessOutcome()

    @property
    def totals(self) -> ProcessOutcome:
        """The counts of every pass so far (a copy, without the changed item ids)."""
        with self._totals_lock:
            return dataclasses.replace(self._totals, changed_item_ids=[])

    def run_once(self) -> ProcessOutcome:
        """Claim a batch and process it; returns what happened (0 claimed when the inbox is empty).

        Each claimed entity is re-read once; a connection's re-read items are written in one transaction
        (falling back to one transaction per entity if that fails, so one bad item holds up no other).
        """
        claimed = claim_events(self.database, now=self.clock(), policy=self.policy)
        outcome = ProcessOutcome(claimed=len(claimed))
        groups: dict[tuple[int, str | None], list[ClaimedEvent]] = {}
        for event in claimed:
            groups.setdefault((event.connection_id, event.entity_external_id), []).append(event)
        fetched: dict[int, dict[str, WorkItemIn | None]] = {}
        changed: set[tuple[int, str]] = set()
        failed: dict[tuple[int, str | None], Exception] = {}
        for (connection_id, entity), _events in groups.items():
            if entity is None:
                continue
            try:
                fetched.setdefault(connection_id, {})[entity] = self.connector_for(connection_id).fetch(entity)
            except Exception as error:  # one entity's failure must not hold up the others
                failed[(connection_id, entity)] = error
        for connection_id, items in fetched.items():
            writer = StoreWriter(self.database, connection_id, self._vendor_of(connection_id), clock=self.clock)
            applied, item_ids, errors = self._write(writer, items)
            changed |= {(connection_id, entity) for entity in applied}
            outcome.changed_item_ids += item_ids
            failed |= {(connection_id, entity): error for entity, error in errors.items()}
        finished: list[ClaimedEvent] = []
        for key, events in groups.items():
            if key in failed:
                self._fail(events, failed[key], outcome)
                continue
            finished += events
            outcome.done += len(events)
            applied_here = key in changed
            outcome.applied += 1 if applied_here else 0
            outcome.stale_skipped += len(events) - 1 if applied_here else len(events)
        # Done rows are marked together: a crash before this leaves them leased, and their re-run after the
        # lease is a no-op (the store already holds that version).
        if finished:
            self._finish(finished)
        with self._totals_lock:
            self._totals.add(dataclasses.replace(outcome, changed_item_ids=[]))
        if self.on_changed is not None and outcome.changed_item_ids:
            self.on_changed(outcome.changed_item_ids)
        return outcome

    def drain(self, *, max_passes: int = 1_000) -> ProcessOutcome:
        """Run passes until nothing due is left (tests, `baton webhooks process`)."""
        total = ProcessOutcome()
        for _ in range(max_passes):
            step = self.run_once()
            if step.claimed == 0:
                break
            total.add(step)
        return total

    def _vendor_of(self, connection_id: int) -> Vendor:
        if connection_id not in self._vendors:
            with self.database.read_session() as session:
                vendor = session.execute(
                    select(CONNECTIONS.c.vendor).where(CONNECTIONS.c.id == connection_id)
                ).scalar_one()
            self._vendors[connection_id] = Vendor(vendor)
        return self._vendors[connection_id]

    def _write(
        self, writer: StoreWriter, items: dict[str, WorkItemIn | None]
    ) -> tuple[set[str], list[int], dict[str, Exception]]:
        """Store re-read items (tombstone those gone): the entities that changed, their ids, and failures."""
        live = {entity: item for entity, item in items.items() if item is not None}
        gone = [entity for entity, item in items.items() if item is None]
        applied: set[str] = set()
        item_ids: list[int] = []
        errors: dict[str, Exception] = {}
        try:
            ids = writer.apply_batch(Batch(items=tuple(live.values()))).changed_item_ids if live else []
        except Exception:
            # Something in the batch cannot be stored: write entity by entity to find it.
            for entity, item in live.items():
                try:
                    one = writer.apply_batch(Batch(items=(item,))).changed_item_ids
                except Exception as error:
                    errors[entity] = error
                else:
                    item_ids += one
                    applied |= {entity} if one else set()
        else:
            item_ids += ids
            applied |= self._external_ids(ids)
        for entity in gone:
            try:
                if writer.tombstone([entity]) > 0:
                    applied.add(entity)
            except Exception as error:
                errors[entity] = error
        return applied, item_ids, errors

    def _external_ids(self, item_ids: list[int]) -> set[str]:
        if not item_ids:
            return set()
        with self.database.read_session() as session:
            return set(session.execute(select(ITEMS.c.external_id).where(ITEMS.c.id.in_(item_ids))).scalars())

    def _finish(self, events: list[ClaimedEvent]) -> None:
        now = self.clock()
        with self.database.session() as session:
            session.execute(
                update(WEBHOOK_EVENTS)
                .where(WEBHOOK_EVENTS.c.id.in_([e.id for e in events]))
                .values(status=DONE, processed_at=now, last_error=None)
            )
            session.commit()

    def _fail(self, events: list[ClaimedEvent], error: Exception, outcome: ProcessOutcome) -> None:
        now = self.clock()
        message = f"{type(error).__name__}: {error}"[:2000]
        with self.database.session() as session:
            for event in events:
                values: dict[str, object]
                if event.attempts >= self.policy.max_attempts:
                    values = {"status": DEAD, "last_error": message}
                    outcome.dead += 1
                    log.error("webhook event %s dead-lettered after %d attempts: %s", event.id, event.attempts, message)
                else:
                    values = {
                        "status": PENDING,
                        "last_error": message,
                        "next_attempt_at": now + self.policy.delay_after(event.attempts, self.rng),
                    }
                    outcome.retried += 1
                session.execute(update(WEBHOOK_EVENTS).where(WEBHOOK_EVENTS.c.id == event.id).values(**values))
            session.commit()
