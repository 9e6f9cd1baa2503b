"""Summary rows the planning views read instead of scanning the whole store.

- ``item_tally``: signed counts of live items per (container, list/section, tool, raw status, category), appended
  by database triggers on every write to ``work_item`` (migration 0006) and compacted now and then. Summing the
  rows of a group gives its current count and story points, whatever the store's size.
- ``person_tally``: the same for each person's open items (live, assigned, not done nor cancelled), appended by
  the triggers of migration 0009; the people view sums a page of people's rows.
- ``view_snapshot``: a computed view (flow metrics, hygiene's finding weights) with the time and the store
  watermark it was computed at, so it is served again until the store moves on or it ages out.
- ``hygiene_snapshot``: one row per day, scope and name with that day's score, so hygiene has a trend without
  reports.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_pk, json_field, utc_now_field
from models.types import BigId

__all__ = ["HygieneSnapshot", "ItemTally", "PersonTally", "ViewSnapshot"]


class ItemTally(SQLModel, table=True):
    """A signed change (or a compacted sum) of live items and points in one group; see the module docstring."""

    __tablename__ = "item_tally"

    id: int | None = big_pk()
    container_id: int | None = Field(default=None, sa_type=BigId)
    subcontainer_id: int | None = Field(default=None, sa_type=BigId)
    source: str = Field(max_length=16)
    status_raw: str = Field(max_length=200)
    status_category: str = Field(max_length=16)
    items: int = Field(description="Signed change of the number of live items.")
    points: float = Field(default=0.0, description="Signed change of the sum of their estimates.")


class PersonTally(SQLModel, table=True):
    """A signed change (or a compacted sum) of one person's open items; see the module docstring."""

    __tablename__ = "person_tally"
    __table_args__ = (Index("ix_person_tally_person", "person_id"),)

    id: int | None = big_pk()
    person_id: int = Field(sa_type=BigId, description="The assignee (no foreign key: rows are appended by triggers).")
    items: int = Field(description="Signed change of the number of the person's open items.")


class ViewSnapshot(SQLModel, table=True):
    """A computed view kept for reuse: ``key`` names the view and its parameters."""

    __tablename__ = "view_snapshot"

    key: str = Field(primary_key=True, max_length=200)
    computed_at: datetime = utc_now_field()
    watermark: str = Field(default="", max_length=200, description="The store's state the content reflects.")
    content: dict[str, Any] = json_field()


class HygieneSnapshot(SQLModel, table=True):
    """A team's or container's hygiene score on one day (the last one computed that day)."""

    __tablename__ = "hygiene_snapshot"
    __table_args__ = (
        UniqueConstraint("snapshot_date", "scope", "name", name="uq_hygiene_snapshot_day_scope_name"),
        Index("ix_hygiene_snapshot_scope_name_day", "scope", "name", "snapshot_date"),
    )

    id: int | None = big_pk()
    snapshot_date: date
    scope: str = Field(max_length=16, description="team | container")
    name: str = Field(max_length=200, description="The team's name, or the container's id.")
    open_items: int
    items_with_findings: int
    score: float
    computed_at: datetime = utc_now_field()
