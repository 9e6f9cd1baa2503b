"""Uniqueness the store promises: one open finding per (rule, subject); one inbox row per delivery."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError

from models import Connection, Finding, WebhookEvent
from models.db import Database
from sync.upsert import upsert_rows


def open_finding(subject: str) -> Finding:
    return Finding(rule_id="R01", subject_type="work_item", subject_key=subject, message="Stale for 31 days.")


def test_one_open_finding_per_rule_and_subject(database: Database) -> None:
    with database.session() as session:
        session.add(open_finding("jira:1"))
        session.commit()
        session.add(open_finding("jira:1"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_resolved_findings_do_not_block_a_new_open_one(database: Database) -> None:
    with database.session() as session:
        first = open_finding("jira:2")
        first.resolved_at = datetime(2026, 2, 1, tzinfo=UTC)
        session.add(first)
        session.commit()
        session.add(open_finding("jira:2"))
        session.commit()
        assert session.execute(select(func.count()).select_from(Finding)).scalar_one() == 2


def test_a_repeated_delivery_is_stored_once(database: Database) -> None:
    with database.session() as session:
        connection = Connection(name="trello", vendor="trello", base_url="http://127.0.0.1:8102")
        session.add(connection)
        session.commit()
        row = {
            "source": "trello",
            "connection_id": connection.id,
            "delivery_id": "5f0c1a2b3c4d5e6f7a8b9c0d",
            "event_type": "updateCard",
            "body": b"{}",
        }
        table: Table = WebhookEvent.__table__  # type: ignore[assignment]
        assert upsert_rows(session, table, [row], key=("source", "connection_id", "delivery_id"), update=False) == 1
        assert upsert_rows(session, table, [row], key=("source", "connection_id", "delivery_id"), update=False) == 0
        session.commit()
        assert session.execute(select(func.count()).select_from(WebhookEvent)).scalar_one() == 1
