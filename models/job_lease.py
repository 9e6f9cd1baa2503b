"""Scheduled jobs' leases: which replica runs a job's current fire, and when it last fired."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.fields import utc_field

__all__ = ["JobLease"]


class JobLease(SQLModel, table=True):
    """One row per scheduled job; an atomic conditional upsert claims each fire for exactly one replica."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=100, description="e.g. sync:jira, rules, report, inbox_retry")
    holder: str = Field(max_length=200, description="The replica running (or that last ran) the job.")
    fire_at: datetime | None = utc_field()
    expires_at: datetime | None = utc_field()
    finished_at: datetime | None = utc_field()
    last_status: str | None = Field(default=None, max_length=16, description="succeeded | failed")
    last_error: str | None = None
