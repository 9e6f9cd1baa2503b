"""Run one sync of one connection: discover, pull batches into the store, then reconcile deletions.

Every run is a ``sync_run`` row with its counts and errors. Deletions come from a cheap id census of each
container: what the store holds alive but no container lists any more is tombstoned, unless half or more of a
container vanished at once (then nothing is tombstoned and a sync-health finding says so). A census that did
not complete tombstones nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, Join, and_, func, or_, select, update

from connectors.base import Connector
from connectors.errors import ConnectorError
from connectors.records import ContainerIn, Discovery
from core.timeutil import Clock, utc_now
from models.db import Database
from models.enums import SyncKind, SyncStatus, Vendor
from models.tables import CONNECTIONS, CONTAINERS, ITEMS, RUNS
from sync.connection_lease import SyncAlreadyRunning, connection_sync_lease
from sync.health import MASS_DISAPPEARANCE, raise_health_finding
from sync.prefetch import prefetched_groups
from sync.reconcile import record_webhook_gaps
from sync.store import PRIMARY_KIND, StoreWriter, load_census_times, load_cursors

__all__ = ["CENSUS_MAX_AGE", "MASS_DISAPPEARANCE_SHARE", "SyncProgress", "SyncReport", "run_sync"]

log = logging.getLogger(__name__)

MASS_DISAPPEARANCE_SHARE = 0.5
# An incremental sync may skip a container's id census when a one-request count matches the store, but
# never for longer than this after the last full read of its ids (a vendor count can be off).
CENSUS_MAX_AGE = timedelta(hours=6)
READ_AHEAD = 4  # batches read ahead of the store, and stored together when they are waiting


class SyncProgress(Protocol):
    """Receives progress as a sync runs (the CLI draws Rich bars from it)."""

    def on_total(self, estimate: int | None) -> None: ...

    def on_batch(self, items: int, pages: int) -> None: ...


@dataclass
class SyncReport:
    """The outcome of one run, as stored in its ``sync_run`` row."""

    run_id: int
    kind: SyncKind
    status: SyncStatus = SyncStatus.RUNNING
    items_seen: int = 0
    items_changed: int = 0
    items_deleted: int = 0
    pages: int = 0
    seconds: float = 0.0
    errors: list[dict[str, str]] = field(default_factory=list)
    changed_item_ids: list[int] = field(default_factory=list)
    webhook_gaps: int | None = None  # changes no webhook delivered (incremental runs covered by webhooks)


def _start_run(database: Database, connection_id: int, kind: SyncKind, clock: Clock) -> int:
    with database.session() as session:
        run_id = session.execute(
            RUNS.insert()
            .values(connection_id=connection_id, kind=str(kind), status=str(SyncStatus.RUNNING), started_at=clock())
            .returning(RUNS.c.id)
        ).scalar_one()
        session.commit()
    return int(run_id)


def _finish_run(database: Database, report: SyncReport, clock: Clock, requests: int) -> None:
    finished_at = clock()
    with database.session() as session:
        session.execute(
            update(RUNS)
            .where(RUNS.c.id == report.run_id)
            .values(
                status=str(report.status),
                finished_at=finished_at,
                items_seen=report.items_seen,
                items_changed=report.items_changed,
                items_deleted=report.items_deleted,
                pages=report.pages,
                requests=requests,
                errors=report.errors,
                error_message=report.errors[-1]["message"] if report.errors else None,
            )
        )
        if report.status is SyncStatus.SUCCEEDED:
            # The connection's freshness (the report's sync-health banner, /connections) moves with the run.
            run_connection = select(RUNS.c.connection_id).where(RUNS.c.id == report.run_id).scalar_subquery()
            session.execute(
                update(CONNECTIONS).where(CONNECTIONS.c.id == run_connection).values(last_success_at=finished_at)
            )
        session.commit()


def _census_containers(discovery: Discovery, vendor: Vendor) -> list[ContainerIn]:
    primary = PRIMARY_KIND[vendor]
    return [container for container in discovery.containers if container.kind == primary]


def _live_scope(connection_id: int) -> tuple[Join, ColumnElement[bool]]:
    joined = ITEMS.outerjoin(CONTAINERS, ITEMS.c.container_id == CONTAINERS.c.id)
    return joined, and_(ITEMS.c.connection_id == connection_id, ITEMS.c.deleted_at.is_(None))


def _live_counts_by_container(database: Database, connection_id: int) -> dict[str | None, int]:
    """Live items per container external id (``None``: items without a container), counted by the database."""
    joined, live = _live_scope(connection_id)
    with database.read_session() as session:
        rows = session.execute(
            select(CONTAINERS.c.external_id, func.count())
            .select_from(joined)
            .where(live)
            .group_by(CONTAINERS.c.external_id)
        ).all()
    return {container_id: count for container_id, count in rows}


def _live_items_of(
    database: Database, connection_id: int, container_ids: Collection[str | None]
) -> dict[str | None, list[str]]:
    """The live item ids of these containers only, by container."""
    named = [container_id for container_id in container_ids if container_id is not None]
    if not named and None not in container_ids:
        return {}
    joined, live = _live_scope(connection_id)
    chosen: ColumnElement[bool] = CONTAINERS.c.external_id.in_(named)
    if None in container_ids:
        chosen = or_(chosen, CONTAINERS.c.external_id.is_(None))
    with database.read_session() as session:
        rows = session.execute(
            select(ITEMS.c.external_id, CONTAINERS.c.external_id).select_from(joined).where(live, chosen)
        ).all()
    live_by_container: dict[str | None, list[str]] = {}
    for item_id, container_id in rows:
        live_by_container.setdefault(container_id, []).append(item_id)
    return live_by_container


def _reconcile_deletions(
    database: Database,
    writer: StoreWriter,
    connector: Connector,
    containers: list[ContainerIn],
    report: SyncReport,
    clock: Clock,
    *,
    full: bool,
) -> None:
    live_counts = _live_counts_by_container(database, writer.connection_id)
    censused_at = load_census_times(database, writer.connection_id)
    now = clock()
    # The stored ids of a container are read just before its census (an item a webhook adds meanwhile is not
    # judged by a census that predates it); a container whose count matched kept every item, so its ids are never
    # loaded and the cost stays with what changed. Containers no census covers any more are compared too.
    covered = {container.external_id for container in containers}
    stored = _live_items_of(database, writer.connection_id, [c for c in live_counts if c not in covered])
    present: set[str] = set()
    read_in_full: list[str] = []
    for container in containers:
        last_read = censused_at.get(container.external_id)
        try:
            # An incremental sync trusts a one-request count that matches the store (nothing vanished) while
            # the last full read of the container's ids is recent; any difference, and every full sync, reads
            # the ids.
            recent = last_read is not None and now - last_read < CENSUS_MAX_AGE
            if not full and recent and connector.census_count(container) == live_counts.get(container.external_id, 0):
                continue
            stored.update(_live_items_of(database, writer.connection_id, [container.external_id]))
            present |= connector.census(container)
            read_in_full.append(container.external_id)
        except ConnectorError as error:
            # Mark-and-sweep never runs after an incomplete pass: a failed census tombstones nothing.
            report.errors.append({"stage": "census", "container": container.external_id, "message": str(error)})
            return
    writer.mark_censused(read_in_full, now)
    to_tombstone: list[str] = []
    for container_id, item_ids in stored.items():
        vanished = [item_id for item_id in item_ids if item_id not in present]
        if not vanished:
            continue
        share = len(vanished) / len(item_ids)
        if share >= MASS_DISAPPEARANCE_SHARE and len(item_ids) > 1:
            message = (
                f"{len(vanished)} of {len(item_ids)} items of container {container_id} vanished in one census; "
                "Baton keeps them until a later census confirms the deletion."
            )
            log.warning("mass disappearance on connection %s: %s", writer.connection_id, message)
            with database.session() as session:
                raise_health_finding(
                    session,
                    rule_id=MASS_DISAPPEARANCE,
                    subject_type="container",
                    subject_key=f"{writer.connection_id}:{container_id}",
                    message=message,
                    now=clock(),
                    details={"vanished": len(vanished), "live": len(item_ids)},
                )
                session.commit()
            continue
        to_tombstone += vanished
    report.items_deleted += writer.tombstone(to_tombstone)


def _run_sync_unleased(
    database: Database,
    *,
    connection_id: int,
    vendor: Vendor,
    connector: Connector,
    full: bool = False,
    census: bool = True,
    clock: Clock = utc_now,
    progress: SyncProgress | None = None,
    on_discovered: Callable[[Discovery], None] | None = None,
) -> SyncReport:
    kind = SyncKind.FULL if full else SyncKind.INCREMENTAL
    report = SyncReport(run_id=_start_run(database, connection_id, kind, clock), kind=kind)
    started = time.perf_counter()
    writer = StoreWriter(database, connection_id, vendor, clock=clock)
    try:
        discovery = connector.discover()
        writer.apply_discovery(discovery)
        if on_discovered is not None:
            on_discovered(discovery)
        if progress is not None:
            progress.on_total(connector.estimate_total() if full else None)
        cursors = {} if full else load_cursors(database, connection_id)
        # Fetching (and mapping) the next pages overlaps storing these; the batches read ahead meanwhile (four
        # at most wait in memory) are stored together, in one transaction with their cursors.
        for batches in prefetched_groups(connector.pull(cursors, full=full), depth=READ_AHEAD, most=READ_AHEAD):
            for batch, outcome in zip(batches, writer.apply_batches(batches), strict=True):
                report.items_seen += outcome.items_seen
                report.items_changed += outcome.items_changed
                report.items_deleted += outcome.items_deleted
                report.changed_item_ids += outcome.changed_item_ids
                report.pages += batch.pages
                if progress is not None:
                    progress.on_batch(outcome.items_seen, batch.pages)
        if census:
            containers = _census_containers(discovery, vendor)
            _reconcile_deletions(database, writer, connector, containers, report, clock, full=full)
        if not full:
            gap = record_webhook_gaps(
                database,
                connection_id=connection_id,
                run_id=report.run_id,
                changed_item_ids=report.changed_item_ids,
                clock=clock,
            )
            report.webhook_gaps = gap.count if gap.covered else None
        report.status = SyncStatus.PARTIAL if report.errors else SyncStatus.SUCCEEDED
    except ConnectorError as error:
        report.status = SyncStatus.FAILED
        report.errors.append({"stage": "pull", "message": f"{type(error).__name__}: {error}"})
        log.error("sync of connection %s failed: %s", connection_id, error)
    except BaseException as error:
        report.status = SyncStatus.FAILED
        report.errors.append({"stage": "pull", "message": f"{type(error).__name__}: {error}"})
        _finish_run(database, report, clock, connector.requests_made)
        raise
    report.seconds = time.perf_counter() - started
    _finish_run(database, report, clock, connector.requests_made)
    return report


# ----- one sync per connection at a time, across processes (sync/connection_lease.py) ---------------------


def run_sync(
    database: Database,
    *,
    connection_id: int,
    vendor: Vendor,
    connector: Connector,
    full: bool = False,
    census: bool = True,
    clock: Clock = utc_now,
    progress: SyncProgress | None = None,
    on_discovered: Callable[[Discovery], None] | None = None,
) -> SyncReport:
    """Sync one connection now; the report is also stored as a ``sync_run`` row.

    While another process syncs the same connection, nothing is pulled: the run is recorded as failed with
    the reason (:class:`~sync.connection_lease.SyncAlreadyRunning`).
    """
    try:
        with connection_sync_lease(database, connection_id):
            return _run_sync_unleased(
                database,
                connection_id=connection_id,
                vendor=vendor,
                connector=connector,
                full=full,
                census=census,
                clock=clock,
                progress=progress,
                on_discovered=on_discovered,
            )
    except SyncAlreadyRunning as busy:
        kind = SyncKind.FULL if full else SyncKind.INCREMENTAL
        report = SyncReport(run_id=_start_run(database, connection_id, kind, clock), kind=kind)
        report.status = SyncStatus.FAILED
        report.errors.append({"stage": "lease", "message": str(busy)})
        log.warning("%s", busy)
        _finish_run(database, report, clock, 0)
        return report
