"""Stored backlog-hygiene reports: one per (date, team scope)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_pk, json_field, utc_now_field

__all__ = ["Report"]


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
