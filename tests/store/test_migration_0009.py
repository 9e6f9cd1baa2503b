"""Migration 0009 on a store that already holds items: the copies and the person tallies start from its rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import insert, select

import migrations
from api.views.tallies import person_open_counts
from models.db import Database
from models.tables import CONNECTIONS, FINDINGS, ITEMS, LABELS, PEOPLE

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_upgrade_to_0009_backfills_copies_and_person_tallies(empty_database_url: str) -> None:
    database = Database.from_url(empty_database_url)
    try:
        command.upgrade(migrations.alembic_config(database.engine), "0008")
        with database.session() as session:
            session.execute(insert(CONNECTIONS).values(name="jira", vendor="jira", base_url="https://jira.example"))
            connection = int(session.execute(select(CONNECTIONS.c.id)).scalar_one())
            session.execute(
                insert(PEOPLE),
                [{"display_name": n, "email": f"{n}@x.example", "is_bot": False, "created_at": NOW} for n in "ab"],
            )
            a, b = (int(p) for p in session.execute(select(PEOPLE.c.id).order_by(PEOPLE.c.id)).scalars())
            plans: list[tuple[int | None, str, datetime | None]] = [
                (a, "todo", None),
                (a, "in_progress", None),
                (a, "done", None),
                (b, "backlog", None),
            ]
            plans += [(b, "todo", NOW), (None, "todo", None)]
            session.execute(
                insert(ITEMS),
                [
                    {
                        "connection_id": connection,
                        "source": "jira",
                        "external_id": str(n),
                        "title": f"Item {n}",
                        "status_raw": category,
                        "status_category": category,
                        "assignee_person_id": person,
                        "source_updated_at": None if n == 1 else NOW - timedelta(hours=n),
                        "source_version": "1",
                        "raw": {},
                        "first_seen_at": NOW,
                        "last_seen_at": NOW,
                        "updated_at": NOW,
                        "deleted_at": deleted,
                    }
                    for n, (person, category, deleted) in enumerate(plans)
                ],
            )
            items = [int(i) for i in session.execute(select(ITEMS.c.id).order_by(ITEMS.c.id)).scalars()]
            session.execute(insert(LABELS), [{"work_item_id": i, "label": "x"} for i in items])
            session.execute(
                insert(FINDINGS),
                [
                    {"rule_id": "R02", "subject_type": "work_item", "subject_key": str(i), "work_item_id": i}
                    | {"message": "m", "details": {}, "first_seen_at": NOW, "last_seen_at": NOW}
                    for i in items[:3]
                ],
            )
            session.commit()
        migrations.upgrade_to_head(database.engine)
        with database.read_session() as session:
            updated = dict(session.execute(select(ITEMS.c.id, ITEMS.c.source_updated_at)).all())
            labelled = dict(session.execute(select(LABELS.c.work_item_id, LABELS.c.item_updated_at)).all())
            found = dict(session.execute(select(FINDINGS.c.work_item_id, FINDINGS.c.item_updated_at)).all())
            assert labelled == updated
            assert found == {i: updated[i] for i in items[:3]}
            assert sum(1 for t in updated.values() if t is None) == 1
            assert person_open_counts(session, [a, b]) == {a: 2, b: 1}
    finally:
        database.dispose()
