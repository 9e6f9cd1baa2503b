"""Sync-health findings (rules.md, "Sync health"): raised by the sync engine, shown first in the report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from models.tables import FINDINGS

__all__ = ["MASS_DISAPPEARANCE", "UNMAPPED_STATUS", "WEBHOOK_GAP", "raise_health_finding"]

MASS_DISAPPEARANCE = "SH03"
WEBHOOK_GAP = "SH02"
UNMAPPED_STATUS = "SH04"


def raise_health_finding(
    session: Session,
    *,
    rule_id: str,
    subject_type: str,
    subject_key: str,
    message: str,
    now: datetime,
    details: dict[str, Any] | None = None,
    severity: str = "high",
) -> None:
    """Open a finding for (rule, subject), or refresh the open one (at most one open per pair)."""
    open_id = session.execute(
        select(FINDINGS.c.id).where(
            FINDINGS.c.rule_id == rule_id,
            FINDINGS.c.subject_type == subject_type,
            FINDINGS.c.subject_key == subject_key,
            FINDINGS.c.resolved_at.is_(None),
        )
    ).scalar_one_or_none()
    if open_id is None:
        session.execute(
            FINDINGS.insert().values(
                rule_id=rule_id,
                subject_type=subject_type,
                subject_key=subject_key,
                severity=severity,
                message=message,
                details=details or {},
                first_seen_at=now,
                last_seen_at=now,
            )
        )
    else:
        session.execute(
            update(FINDINGS)
            .where(FINDINGS.c.id == open_id)
            .values(message=message, details=details or {}, last_seen_at=now)
        )
