"""The findings lifecycle: open, refresh (still firing), resolve (within the evaluated scope), snooze.

At most one open finding exists per (rule, subject): the partial unique index ``uq_finding_open_rule_subject``
enforces it and inserts skip a conflicting row. A snoozed finding stays open (it is refreshed and resolved like any
other) but is hidden from lists until ``snoozed_until`` passes. Sync-health findings (``SH*``) are never resolved
here: the resolvers only touch the rule ids they are given.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.db import Database
from models.tables import FINDINGS, ITEMS
from sync.rules.base import Fired, SubjectType

__all__ = [
    "FindingView",
    "RuleTally",
    "list_open_findings",
    "open_or_refresh_findings",
    "resolve_findings_of_gone_items",
    "resolve_item_findings",
    "resolve_unfired_findings",
    "snooze_finding",
    "unsnooze_finding",
]

_CHUNK = 500


@dataclass
class RuleTally:
    """What one evaluation did to one rule's findings."""

    opened: int = 0
    refreshed: int = 0
    resolved: int = 0
    firing: int = 0

    def add(self, other: RuleTally) -> None:
        """Add another tally's counts to this one."""
        self.opened += other.opened
        self.refreshed += other.refreshed
        self.resolved += other.resolved
        self.firing += other.firing


Tallies = dict[str, RuleTally]


def _tally(tallies: Tallies, rule_id: str) -> RuleTally:
    return tallies.setdefault(rule_id, RuleTally())


def _insert_ignoring_open_conflict(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    insert = sqlite.insert(FINDINGS) if dialect == "sqlite" else postgresql.insert(FINDINGS)
    session.execute(
        insert.on_conflict_do_nothing(
            index_elements=["rule_id", "subject_type", "subject_key"],
            index_where=FINDINGS.c.resolved_at.is_(None),
        ),
        rows,
    )


def _open_ids(session: Session, rule_id: str, subject_type: str, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        found.update(
            (str(key), int(finding_id))
            for key, finding_id in session.execute(
                select(FINDINGS.c.subject_key, FINDINGS.c.id).where(
                    FINDINGS.c.rule_id == rule_id,
                    FINDINGS.c.subject_type == subject_type,
                    FINDINGS.c.subject_key.in_(chunk),
                    FINDINGS.c.resolved_at.is_(None),
                )
            ).all()
        )
    return found


def open_or_refresh_findings(session: Session, fired: Iterable[Fired], now: datetime) -> Tallies:
    """Open a finding for each new (rule, subject); refresh message, details and ``last_seen_at`` of open ones."""
    tallies: Tallies = {}
    groups: dict[tuple[str, str], dict[str, Fired]] = defaultdict(dict)
    for finding in fired:
        groups[(finding.rule_id.value, finding.subject_type.value)][finding.subject_key] = finding
    for (rule_id, subject_type), by_key in groups.items():
        existing = _open_ids(session, rule_id, subject_type, sorted(by_key))
        tally = _tally(tallies, rule_id)
        tally.firing += len(by_key)
        updates = [
            {
                "finding_id": existing[key],
                "message": f.message,
                "severity": f.severity.value,
                "team": f.team,
                "url": f.url,
                "work_item_id": f.work_item_id,
                "details": dict(f.details),
                "last_seen_at": now,
            }
            for key, f in by_key.items()
            if key in existing
        ]
        if updates:
            session.execute(
                update(FINDINGS)
                .where(FINDINGS.c.id == bindparam("finding_id"))
                .values(
                    message=bindparam("message"),
                    severity=bindparam("severity"),
                    team=bindparam("team"),
                    url=bindparam("url"),
                    work_item_id=bindparam("work_item_id"),
                    details=bindparam("details"),
                    last_seen_at=bindparam("last_seen_at"),
                ),
                updates,
            )
            tally.refreshed += len(updates)
        inserts = [
            {
                "rule_id": rule_id,
                "subject_type": subject_type,
                "subject_key": key,
                "work_item_id": f.work_item_id,
                "team": f.team,
                "severity": f.severity.value,
                "message": f.message,
                "url": f.url,
                "details": dict(f.details),
                "first_seen_at": now,
                "last_seen_at": now,
            }
            for key, f in by_key.items()
            if key not in existing
        ]
        if inserts:
            _insert_ignoring_open_conflict(session, inserts)
            tally.opened += len(inserts)
    return tallies


def _resolve(session: Session, ids: Sequence[int], now: datetime) -> None:
    for start in range(0, len(ids), _CHUNK):
        session.execute(
            update(FINDINGS)
            .where(FINDINGS.c.id.in_(ids[start : start + _CHUNK]), FINDINGS.c.resolved_at.is_(None))
            .values(resolved_at=now, last_seen_at=now)
        )


def resolve_item_findings(
    session: Session,
    item_ids: Collection[int],
    rule_ids: Collection[str],
    fired: Iterable[Fired],
    now: datetime,
) -> Tallies:
    """Resolve the open work-item findings of these items and rules that did not fire in this evaluation."""
    keep = {(f.rule_id.value, f.subject_key) for f in fired if f.subject_type is SubjectType.WORK_ITEM}
    ids = sorted(item_ids)
    stale: list[int] = []
    counts: Counter[str] = Counter()
    for start in range(0, len(ids), _CHUNK):
        for finding_id, rule_id, key in session.execute(
            select(FINDINGS.c.id, FINDINGS.c.rule_id, FINDINGS.c.subject_key).where(
                FINDINGS.c.subject_type == SubjectType.WORK_ITEM.value,
                FINDINGS.c.work_item_id.in_(ids[start : start + _CHUNK]),
                FINDINGS.c.rule_id.in_(sorted(rule_ids)),
                FINDINGS.c.resolved_at.is_(None),
            )
        ).all():
            if (rule_id, key) not in keep:
                stale.append(int(finding_id))
                counts[str(rule_id)] += 1
    _resolve(session, stale, now)
    return {rule_id: RuleTally(resolved=count) for rule_id, count in counts.items()}


def resolve_unfired_findings(
    session: Session,
    rule_id: str,
    subject_types: Collection[SubjectType],
    fired: Iterable[Fired],
    now: datetime,
    in_scope: Callable[[str, str | None], bool] = lambda key, team: True,
) -> int:
    """Resolve the open findings of a rule whose subject was evaluated (``in_scope(key, team)``) and did not fire."""
    keep = {(f.subject_type.value, f.subject_key) for f in fired}
    rows = session.execute(
        select(FINDINGS.c.id, FINDINGS.c.subject_type, FINDINGS.c.subject_key, FINDINGS.c.team).where(
            FINDINGS.c.rule_id == rule_id,
            FINDINGS.c.subject_type.in_([t.value for t in subject_types]),
            FINDINGS.c.resolved_at.is_(None),
        )
    ).all()
    stale = [
        int(row.id)
        for row in rows
        if (row.subject_type, row.subject_key) not in keep and in_scope(str(row.subject_key), row.team)
    ]
    _resolve(session, stale, now)
    return len(stale)


def resolve_findings_of_gone_items(session: Session, rule_ids: Collection[str], now: datetime) -> Tallies:
    """Resolve open work-item findings whose item was deleted (tombstoned or removed from the store)."""
    gone = select(ITEMS.c.id).where(ITEMS.c.deleted_at.is_(None))
    rows = session.execute(
        select(FINDINGS.c.id, FINDINGS.c.rule_id).where(
            FINDINGS.c.subject_type == SubjectType.WORK_ITEM.value,
            FINDINGS.c.rule_id.in_(sorted(rule_ids)),
            FINDINGS.c.resolved_at.is_(None),
            or_(FINDINGS.c.work_item_id.is_(None), FINDINGS.c.work_item_id.not_in(gone)),
        )
    ).all()
    _resolve(session, [int(row.id) for row in rows], now)
    counts = Counter(str(row.rule_id) for row in rows)
    return {rule_id: RuleTally(resolved=count) for rule_id, count in counts.items()}


def snooze_finding(database: Database, finding_id: int, *, until: datetime, reason: str, now: datetime) -> bool:
    """Hide an open finding until ``until`` (it stays open and keeps being refreshed); False when not open."""
    if until <= now:
        raise ValueError("a snooze must end in the future")
    with database.session() as session:
        result = session.execute(
            update(FINDINGS)
            .where(FINDINGS.c.id == finding_id, FINDINGS.c.resolved_at.is_(None))
            .values(snoozed_until=until, snooze_reason=reason)
            .returning(FINDINGS.c.id)
        ).all()
        session.commit()
    return bool(result)


def unsnooze_finding(database: Database, finding_id: int) -> bool:
    """Show a snoozed finding again; False when it was not snoozed."""
    with database.session() as session:
        result = session.execute(
            update(FINDINGS)
            .where(FINDINGS.c.id == finding_id, FINDINGS.c.snoozed_until.is_not(None))
            .values(snoozed_until=None, snooze_reason=None)
            .returning(FINDINGS.c.id)
        ).all()
        session.commit()
    return bool(result)


@dataclass(frozen=True)
class FindingView:
    """An open finding as lists show it."""

    id: int
    rule_id: str
    subject_type: str
    subject_key: str
    team: str | None
    severity: str
    message: str
    url: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    snoozed_until: datetime | None
    details: dict[str, Any] = field(default_factory=dict)


def list_open_findings(
    database: Database,
    now: datetime,
    *,
    team: str | None = None,
    rule_id: str | None = None,
    include_snoozed: bool = False,
) -> list[FindingView]:
    """Open findings, oldest first; a finding snoozed past ``now`` is hidden unless asked for."""
    query = select(FINDINGS).where(FINDINGS.c.resolved_at.is_(None))
    if team is not None:
        query = query.where(FINDINGS.c.team == team)
    if rule_id is not None:
        query = query.where(FINDINGS.c.rule_id == rule_id)
    if not include_snoozed:
        query = query.where(or_(FINDINGS.c.snoozed_until.is_(None), FINDINGS.c.snoozed_until <= now))
    with database.read_session() as session:
        rows = session.execute(query.order_by(FINDINGS.c.first_seen_at, FINDINGS.c.id)).all()
    return [
        FindingView(
            id=int(row.id),
            rule_id=str(row.rule_id),
            subject_type=str(row.subject_type),
            subject_key=str(row.subject_key),
            team=row.team,
            severity=str(row.severity),
            message=str(row.message),
            url=row.url,
            first_seen_at=row.first_seen_at,
            last_seen_at=row.last_seen_at,
            snoozed_until=row.snoozed_until,
            details=dict(row.details or {}),
        )
        for row in rows
    ]
