"""Webhook-gap reconciliation: what an incremental sync changed that no webhook had delivered.

The scheduled incremental sync stays the source of truth; webhooks only make the store fresh sooner. When a
connection has an active webhook subscription, every item a sync had to change (or tombstone) is a change the
webhooks should have brought first, unless a webhook for that item did arrive (still in the inbox, or processed
after the sync read it). Those left over are the *gap*: the count goes on the run's ``sync_run.webhook_gaps``
(and ``/metrics``), and a sync-health finding (``SH02``) opens or refreshes for the connection; a covered run with
no gap resolves it.

A run counts only when its whole window was covered: the previous successful run of the connection started
after the oldest active subscription was created (changes before the webhooks existed are no gap). A change
made in the last seconds before a sync whose webhook is still on its way counts too: the metric is a trend, and
one stray count does not mean a lost delivery; a steady rate does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from core.timeutil import Clock
from models.db import Database
from models.enums import SyncStatus
from models.tables import CONNECTIONS, FINDINGS, ITEMS, RUNS, WEBHOOK_EVENTS, WEBHOOK_SUBSCRIPTIONS
from sync.health import WEBHOOK_GAP, raise_health_finding

__all__ = ["WebhookGap", "find_webhook_gap", "record_webhook_gaps", "webhook_gap_totals"]

_CHUNK = 1_000
SAMPLE_SIZE = 20


@dataclass(frozen=True)
class WebhookGap:
    """What one run found; ``covered`` is false when webhooks did not cover the run's whole window."""

    covered: bool
    external_ids: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """Changes the sync found that no webhook delivered."""
        return len(self.external_ids)


def _chunks(values: Sequence[object]) -> Iterable[list[object]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _coverage_start(database: Database, connection_id: int) -> datetime | None:
    """When webhook coverage of the connection began (its oldest active subscription), or ``None``."""
    with database.read_session() as session:
        found: datetime | None = session.execute(
            select(func.min(WEBHOOK_SUBSCRIPTIONS.c.created_at)).where(
                WEBHOOK_SUBSCRIPTIONS.c.connection_id == connection_id,
                WEBHOOK_SUBSCRIPTIONS.c.active.is_(True),
            )
        ).scalar_one_or_none()
    return found


def _window(database: Database, connection_id: int, run_id: int) -> tuple[datetime | None, datetime]:
    """(start of the previous successful run, start of this run)."""
    with database.read_session() as session:
        started: datetime = session.execute(select(RUNS.c.started_at).where(RUNS.c.id == run_id)).scalar_one()
        previous: datetime | None = session.execute(
            select(func.max(RUNS.c.started_at)).where(
                RUNS.c.connection_id == connection_id,
                RUNS.c.id != run_id,
                RUNS.c.started_at <= started,
                RUNS.c.status.in_([str(SyncStatus.SUCCEEDED), str(SyncStatus.PARTIAL)]),
            )
        ).scalar_one_or_none()
    return previous, started


def find_webhook_gap(
    database: Database, *, connection_id: int, run_id: int, changed_item_ids: Sequence[int]
) -> WebhookGap:
    """The items this run changed or tombstoned that no webhook received since the previous run delivered."""
    coverage = _coverage_start(database, connection_id)
    if coverage is None:
        return WebhookGap(covered=False)
    previous, started = _window(database, connection_id, run_id)
    if previous is None or previous < coverage:
        return WebhookGap(covered=False)
    candidates: set[str] = set()
    with database.read_session() as session:
        for chunk in _chunks(changed_item_ids):
            candidates.update(
                str(e) for e in session.execute(select(ITEMS.c.external_id).where(ITEMS.c.id.in_(chunk))).scalars()
            )
        candidates.update(
            str(e)
            for e in session.execute(
                select(ITEMS.c.external_id).where(ITEMS.c.connection_id == connection_id, ITEMS.c.deleted_at >= started)
            ).scalars()
        )
        delivered: set[str] = set()
        ordered = sorted(candidates)
        for chunk in _chunks(ordered):
            delivered.update(
                str(e)
                for e in session.execute(
                    select(WEBHOOK_EVENTS.c.entity_external_id).where(
                        WEBHOOK_EVENTS.c.connection_id == connection_id,
                        WEBHOOK_EVENTS.c.received_at >= previous,
                        WEBHOOK_EVENTS.c.entity_external_id.in_(chunk),
                    )
                ).scalars()
            )
    return WebhookGap(covered=True, external_ids=tuple(e for e in ordered if e not in delivered))


def record_webhook_gaps(
    database: Database, *, connection_id: int, run_id: int, changed_item_ids: Sequence[int], clock: Clock
) -> WebhookGap:
    """Find the run's webhook gap, store its count on the run, and open, refresh or resolve the SH02 finding."""
    gap = find_webhook_gap(database, connection_id=connection_id, run_id=run_id, changed_item_ids=changed_item_ids)
    if not gap.covered:
        return gap
    now = clock()
    subject = str(connection_id)
    with database.session() as session:
        session.execute(update(RUNS).where(RUNS.c.id == run_id).values(webhook_gaps=gap.count))
        if gap.count:
            raise_health_finding(
                session,
                rule_id=WEBHOOK_GAP,
                subject_type="connection",
                subject_key=subject,
                message=(
                    f"The sync found {gap.count} change(s) no webhook delivered: webhooks are being lost or are "
                    "not registered for every container (`baton webhooks list`)."
                ),
                now=now,
                details={"run_id": run_id, "gaps": gap.count, "sample": list(gap.external_ids[:SAMPLE_SIZE])},
                severity="medium",
            )
        else:
            session.execute(
                update(FINDINGS)
                .where(
                    FINDINGS.c.rule_id == WEBHOOK_GAP,
                    FINDINGS.c.subject_type == "connection",
                    FINDINGS.c.subject_key == subject,
                    FINDINGS.c.resolved_at.is_(None),
                )
                .values(resolved_at=now, last_seen_at=now)
            )
        session.commit()
    return gap


def webhook_gap_totals(database: Database) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (connection name, vendor): (changes no webhook delivered, over all runs; in the latest covered run)."""
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    with database.read_session() as session:
        latest = (
            select(RUNS.c.connection_id, func.max(RUNS.c.id).label("run_id"))
            .where(RUNS.c.webhook_gaps.is_not(None))
            .group_by(RUNS.c.connection_id)
            .subquery()
        )
        last = dict(
            session.execute(
                select(latest.c.connection_id, RUNS.c.webhook_gaps).join(RUNS, RUNS.c.id == latest.c.run_id)
            ).all()
        )
        for connection_id, name, vendor, total in session.execute(
            select(CONNECTIONS.c.id, CONNECTIONS.c.name, CONNECTIONS.c.vendor, func.sum(RUNS.c.webhook_gaps))
            .join(RUNS, RUNS.c.connection_id == CONNECTIONS.c.id)
            .where(RUNS.c.webhook_gaps.is_not(None))
            .group_by(CONNECTIONS.c.id, CONNECTIONS.c.name, CONNECTIONS.c.vendor)
        ):
            totals[(str(name), str(vendor))] = (int(total or 0), int(last.get(connection_id) or 0))
    return totals
