"""Storing reports: one row per (date, team scope), written with one atomic upsert (reliability P14).

A rerun for the same date and scope replaces the row in place (same id); a run killed before its commit leaves
the previous row untouched. Nothing else is written, so a crash can never leave half a report behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.timeutil import Clock
from models.db import Database
from models.tables import REPORTS
from reporting.data import ReportData
from reporting.render_html import render_html
from reporting.render_json import render_json
from reporting.render_markdown import render_markdown
from sync.upsert import dialect_insert

__all__ = ["RenderedReport", "StoredReport", "render_all", "store_report"]


@dataclass(frozen=True)
class RenderedReport:
    """A report in its three formats, with the hash of its JSON."""

    data: ReportData
    json: str
    markdown: str
    html: str
    content_hash: str


@dataclass(frozen=True)
class StoredReport:
    """A stored report's row id, and whether the stored content changed (False: a rerun gave the same hash)."""

    id: int
    report_date: date
    team_scope: str
    content_hash: str
    changed: bool


def render_all(data: ReportData) -> RenderedReport:
    """Render JSON, Markdown and HTML once."""
    text = render_json(data)
    return RenderedReport(
        data=data,
        json=text,
        markdown=render_markdown(data),
        html=render_html(data),
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


def store_report(database: Database, rendered: RenderedReport, *, clock: Clock) -> StoredReport:
    """Insert or replace the report of (date, team scope) in one statement; returns its id."""
    report_date = date.fromisoformat(rendered.data.report_date)
    scope = rendered.data.team_scope
    statement = dialect_insert(database.dialect, REPORTS).values(
        report_date=report_date,
        team_scope=scope,
        generated_at=clock(),
        content_json=rendered.data.model_dump(mode="json"),
        content_html=rendered.html,
        content_md=rendered.markdown,
        content_hash=rendered.content_hash,
    )
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["report_date", "team_scope"],
        set_={
            "generated_at": excluded.generated_at,
            "content_json": excluded.content_json,
            "content_html": excluded.content_html,
            "content_md": excluded.content_md,
            "content_hash": excluded.content_hash,
        },
    )
    with database.session() as session:
        before = session.execute(
            select(REPORTS.c.content_hash).where(REPORTS.c.report_date == report_date, REPORTS.c.team_scope == scope)
        ).scalar_one_or_none()
        report_id = session.execute(statement.returning(REPORTS.c.id)).scalar_one()
        session.commit()
    return StoredReport(int(report_id), report_date, scope, rendered.content_hash, before != rendered.content_hash)
