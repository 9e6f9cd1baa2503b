"""Stored backlog-hygiene reports: one per (date, team scope)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, json_field, utc_field, utc_now_field

__all__ = ["Report", "ReportDelivery"]


class Report(SQLModel, table=True):
    """The nightly report for one date and team scope (``*`` for the whole organisation)."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("report_date", "team_scope", name="uq_report_date_scope"),)

    id: int | None = big_pk()
    report_date: date
    team_scope: str = Field(default="*", max_length=100)
    generated_at: datetime = utc_now_field()
    content_json: dict[str, Any] = json_field()
    content_html: str = Field(default="", sa_type=Text)
    content_md: str = Field(default="", sa_type=Text)
    content_hash: str = Field(max_length=64)


class ReportDelivery(SQLModel, table=True):
    """How the delivery of one report to one channel (slack, email, file) went: one row per (report, channel)."""

    __tablename__ = "report_delivery"
    __table_args__ = (UniqueConstraint("report_id", "channel", name="uq_report_delivery_channel"),)

    id: int | None = big_pk()
    report_id: int = big_fk("report.id", ondelete="CASCADE", index=False)
    channel: str = Field(max_length=16, description="slack | email | file")
    status: str = Field(max_length=16, description="delivered | failed")
    content_hash: str = Field(max_length=64, description="The report content this row delivered (or tried to).")
    attempts: int = Field(default=0, description="Attempts of the latest delivery (retries included).")
    last_error: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = utc_now_field()
    delivered_at: datetime | None = utc_field()
