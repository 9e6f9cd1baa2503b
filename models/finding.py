"""Findings: a rule that fired for a subject, with its lifecycle (open, still firing, resolved, snoozed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, json_field, utc_field, utc_now_field

__all__ = ["Finding"]


class Finding(SQLModel, table=True):
    """At most one open finding per (rule, subject): a partial unique index enforces it."""

    __tablename__ = "finding"
    __table_args__ = (
        Index(
            "uq_finding_open_rule_subject",
            "rule_id",
            "subject_type",
            "subject_key",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_finding_rule_resolved", "rule_id", "resolved_at"),
        Index("ix_finding_team_resolved", "team", "resolved_at"),
        Index("ix_finding_work_item", "work_item_id"),
        Index("ix_finding_last_seen", "last_seen_at"),  # the planning views' findings watermark (api/)
        # A rule's open findings in the items list's default order (updated): `?rule=` stops at the page size.
        Index(
            "ix_finding_open_rule_item_updated",
            "rule_id",
            "item_updated_at",
            "work_item_id",
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: int | None = big_pk()
    rule_id: str = Field(max_length=16, description="R01 … R20, or SH01… for sync health.")
    subject_type: str = Field(max_length=32, description="work_item | container | team | sprint | person | …")
    subject_key: str = Field(max_length=200, description="Stable key of the subject within its type.")
    work_item_id: int | None = big_fk("work_item.id", nullable=True, ondelete="SET NULL", index=False)
    team: str | None = Field(default=None, max_length=100)
    severity: str = Field(default="medium", max_length=16)
    message: str = Field(description="One sentence a team lead understands.")
    url: str | None = Field(default=None, max_length=1000, description="The subject in its own tool.")
    details: dict[str, Any] = json_field()
    first_seen_at: datetime = utc_now_field()
    last_seen_at: datetime = utc_now_field()
    resolved_at: datetime | None = utc_field()
    snoozed_until: datetime | None = utc_field()
    # A copy of the item's source_updated_at, kept by database triggers (migration 0009).
    item_updated_at: datetime | None = utc_field()
    snooze_reason: str | None = None
