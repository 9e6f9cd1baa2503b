"""What migration 0009's triggers keep for the planning views at scale: the item's updated time copied to its labels
and findings (the order `?label=` and `?rule=` pages walk), and each person's open-item tallies (`/people`)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, insert, select, update

from api.auth.keys import create_api_key
from api.views.items import OPEN_CATEGORIES
from api.views.tallies import PERSON_TALLY, compact_item_tallies, person_open_counts
from models.db import Database
from models.enums import ApiKeyRole
from models.tables import FINDINGS, ITEMS, LABELS, PEOPLE
from tests.api.conftest import AppFactory, bearer
from tests.api.seed import NOW, Seeded

SORTS = ["-updated", "updated"]


def _every_page(api: TestClient, query: str, limit: int) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = api.get(f"/api/v1/items?{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")).json()
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def _expected(database: Database, ids: set[int], sort: str) -> list[int]:
    """``ids``' live items in the list's order for ``sort``: set times first (ties by id), NULLs last by id."""
    with database.read_session() as session:
        rows = session.execute(
            select(ITEMS.c.id, ITEMS.c.source_updated_at).where(ITEMS.c.id.in_(ids), ITEMS.c.deleted_at.is_(None))
        ).all()
    descending = sort.startswith("-")
    valued = sorted(((t, int(i)) for i, t in rows if t is not None), reverse=descending)
    nulls = sorted((int(i) for i, t in rows if t is None), reverse=descending)
    return [i for _, i in valued] + nulls


def _copies_match(database: Database) -> None:
    with database.read_session() as session:
        for table in (LABELS, FINDINGS):
            stale = session.execute(
                select(func.count())
                .select_from(table.join(ITEMS, ITEMS.c.id == table.c.work_item_id))
                .where(
                    (table.c.item_updated_at != ITEMS.c.source_updated_at)
                    | (table.c.item_updated_at.is_(None) != ITEMS.c.source_updated_at.is_(None))
                )
            ).scalar_one()
            assert stale == 0, table.name


def _probe_items(database: Database, seeded: Seeded, count: int) -> list[int]:
    """``count`` new Jira items labelled ``probe`` with tied, distinct and missing updated times."""
    rows: list[dict[str, Any]] = [
        {
            "connection_id": seeded.connections["jira"],
            "source": "jira",
            "external_id": f"probe-{n}",
            "key": f"PRB-{n}",
            "title": f"Probe {n}",
            "type": "task",
            "status_raw": "To Do",
            "status_category": "todo",
            "container_id": seeded.containers["Payments"],
            "source_updated_at": None if n % 7 == 3 else NOW - timedelta(hours=n // 2),
            "source_version": "1",
            "raw": {},
            "first_seen_at": NOW,
            "last_seen_at": NOW,
            "updated_at": NOW,
            "deleted_at": NOW if n == 5 else None,
        }
        for n in range(count)
    ]
    with database.session() as session:
        session.execute(insert(ITEMS), rows)
        ids = [
            int(i)
            for i in session.execute(
                select(ITEMS.c.id).where(ITEMS.c.external_id.like("probe-%")).order_by(ITEMS.c.id)
            ).scalars()
        ]
        session.execute(insert(LABELS), [{"work_item_id": i, "label": "probe"} for i in ids])
        session.commit()
    return ids


def _finding(item_id: int, subject_key: str, *, resolved: bool = False) -> dict[str, Any]:
    return {
        "rule_id": "R19",
        "subject_type": "work_item" if subject_key == str(item_id) else "pair",
        "subject_key": subject_key,
        "work_item_id": item_id,
        "severity": "low",
        "message": "probe",
        "details": {},
        "first_seen_at": NOW,
        "last_seen_at": NOW,
        "resolved_at": NOW if resolved else None,
    }


@pytest.mark.parametrize("sort", SORTS)
def test_label_and_rule_pages_follow_updates_to_their_items(
    api: TestClient, seeded: Seeded, database: Database, sort: str
) -> None:
    ids = _probe_items(database, seeded, 23)
    ruled = ids[::2]
    with database.session() as session:
        session.execute(insert(FINDINGS), [_finding(i, str(i)) for i in ruled])
        # One item with two more open findings of the rule (pairs it is part of), one with only a resolved one.
        session.execute(insert(FINDINGS), [_finding(ids[4], f"{ids[4]}|{ids[1]}"), _finding(ids[4], f"{ids[4]}|x")])
        session.execute(insert(FINDINGS), [_finding(ids[1], str(ids[1]), resolved=True)])
        session.commit()
    _copies_match(database)
    assert _every_page(api, f"label=probe&sort={sort}", 4) == _expected(database, set(ids), sort)
    assert _every_page(api, f"rule=R19&sort={sort}", 3) == _expected(database, set(ruled), sort)

    # The items move in time (one to no time, one from none), a label and a finding come after the move.
    with database.session() as session:
        session.execute(update(ITEMS).where(ITEMS.c.id == ids[0]).values(source_updated_at=NOW + timedelta(days=1)))
        session.execute(update(ITEMS).where(ITEMS.c.id == ids[8]).values(source_updated_at=None))
        session.execute(update(ITEMS).where(ITEMS.c.id == ids[3]).values(source_updated_at=NOW - timedelta(days=30)))
        session.execute(
            update(ITEMS).where(ITEMS.c.id.in_(ids[10:14])).values(source_updated_at=NOW - timedelta(minutes=1))
        )
        extra = int(session.execute(select(ITEMS.c.id).where(ITEMS.c.key == "PAY-11")).scalar_one())
        session.execute(update(ITEMS).where(ITEMS.c.id == extra).values(source_updated_at=NOW - timedelta(hours=3)))
        session.execute(insert(LABELS).values(work_item_id=extra, label="probe"))
        session.execute(insert(FINDINGS).values(_finding(extra, str(extra))))
        # A finding moved to another item takes that item's time.
        session.execute(update(FINDINGS).where(FINDINGS.c.subject_key == f"{ids[4]}|x").values(work_item_id=ids[3]))
        session.commit()
    _copies_match(database)
    assert _every_page(api, f"label=probe&sort={sort}", 4) == _expected(database, {*ids, extra}, sort)
    assert _every_page(api, f"rule=R19&sort={sort}", 3) == _expected(database, {*ruled, extra, ids[3]}, sort)
    # The same rows as when the ids are read first (another sort, reversed back).
    other = "created" if sort == "-updated" else "-updated"
    assert sorted(_every_page(api, f"label=probe&sort={other}", 50)) == sorted(_expected(database, {*ids, extra}, sort))


def test_label_and_rule_pages_stay_in_a_team_keys_scope(
    api: TestClient, seeded: Seeded, database: Database, make_app: AppFactory
) -> None:
    ids = _probe_items(database, seeded, 9)
    with database.session() as session:
        session.execute(update(ITEMS).where(ITEMS.c.id.in_(ids[:4])).values(container_id=seeded.containers["Design"]))
        session.execute(insert(FINDINGS), [_finding(i, str(i)) for i in ids[2:7]])
        session.commit()
    design = create_api_key(database, name="design planners", role=ApiKeyRole.VIEWER, teams=["design"])
    with TestClient(make_app(), headers=bearer(design.secret)) as scoped:
        assert _every_page(scoped, "label=probe", 2) == _expected(database, set(ids[:4]), "-updated")
        assert _every_page(scoped, "rule=R19", 2) == _expected(database, set(ids[2:4]), "-updated")
    assert _every_page(api, "label=probe", 2) == _expected(database, set(ids), "-updated")


Load = Counter[int]


def _open_directly(database: Database) -> Load:
    with database.read_session() as session:
        rows = session.execute(
            select(ITEMS.c.assignee_person_id, func.count())
            .where(
                ITEMS.c.assignee_person_id.is_not(None),
                ITEMS.c.deleted_at.is_(None),
                ITEMS.c.status_category.in_(OPEN_CATEGORIES),
            )
            .group_by(ITEMS.c.assignee_person_id)
        ).all()
    return Counter({int(p): int(n) for p, n in rows})


def _open_tallied(database: Database) -> Load:
    with database.read_session() as session:
        people = [int(p) for p in session.execute(select(PEOPLE.c.id)).scalars()]
        return Counter(person_open_counts(session, people))


def _person_tally_rows(database: Database) -> int:
    with database.read_session() as session:
        return int(session.execute(select(func.count()).select_from(PERSON_TALLY)).scalar_one())


def test_person_tallies_follow_every_kind_of_write(api: TestClient, seeded: Seeded, database: Database) -> None:
    assert sum(_open_directly(database).values()) > 5
    assert _open_tallied(database) == _open_directly(database)
    alice, bruno = seeded.people["alice@acme.example"], seeded.people["bruno@acme.example"]
    with database.session() as session:
        carried = [
            int(i)
            for i in session.execute(
                select(ITEMS.c.id)
                .where(ITEMS.c.assignee_person_id == alice, ITEMS.c.status_category.in_(OPEN_CATEGORIES))
                .order_by(ITEMS.c.id)
            ).scalars()
        ]
        assert len(carried) >= 4
        session.execute(update(ITEMS).where(ITEMS.c.id == carried[0]).values(assignee_person_id=bruno))
        session.execute(update(ITEMS).where(ITEMS.c.id == carried[1]).values(status_category="done"))
        session.execute(update(ITEMS).where(ITEMS.c.id == carried[2]).values(deleted_at=NOW))
        session.execute(update(ITEMS).where(ITEMS.c.id == carried[3]).values(assignee_person_id=None))
        session.execute(update(ITEMS).where(ITEMS.c.assignee_person_id == bruno).values(status_category="in_progress"))
        session.commit()
    assert _open_tallied(database) == _open_directly(database)
    with database.session() as session:
        session.execute(update(ITEMS).where(ITEMS.c.id == carried[2]).values(deleted_at=None))  # revived
        session.execute(delete(ITEMS).where(ITEMS.c.assignee_person_id == bruno))
        session.commit()
    assert _open_tallied(database) == _open_directly(database)
    listed = {p["id"]: p["open_items"] for p in api.get("/api/v1/people?limit=500").json()["items"]}
    expected = _open_directly(database)
    assert {p: listed[p] for p in expected} == dict(expected)
    assert all(n == 0 for p, n in listed.items() if p not in expected)
    assert listed[bruno] == 0

    appended = _person_tally_rows(database)
    compact_item_tallies(database)
    assert _person_tally_rows(database) == len(_open_directly(database)) < appended
    assert _open_tallied(database) == _open_directly(database)


def test_writes_that_move_no_open_item_append_no_person_tally(seeded: Seeded, database: Database) -> None:
    compact_item_tallies(database)
    before = _person_tally_rows(database)
    with database.session() as session:
        session.execute(update(ITEMS).values(title=ITEMS.c.title + " (edited)", estimate=7))
        session.execute(update(ITEMS).where(ITEMS.c.status_category == "todo").values(status_category="backlog"))
        session.commit()
    assert _person_tally_rows(database) == before
    assert _open_tallied(database) == _open_directly(database)


def test_a_walked_page_combines_with_the_has_finding_filter(
    api: TestClient, seeded: Seeded, database: Database
) -> None:
    """The rule's walk has the finding table in its FROM: ``has_finding`` must still test the item's own findings
    (schemathesis found `rule=…&has_finding=false` answering 500)."""
    ids = _probe_items(database, seeded, 12)
    ruled = ids[::3]
    with database.session() as session:
        session.execute(insert(FINDINGS), [_finding(i, str(i)) for i in ruled])
        session.execute(insert(FINDINGS), [_finding(ids[1], str(ids[1]), resolved=True)])
        session.commit()
    assert _every_page(api, "rule=R19&has_finding=true", 2) == _expected(database, set(ruled), "-updated")
    assert _every_page(api, "rule=R19&has_finding=false", 2) == []
    assert _every_page(api, "label=probe&has_finding=true", 2) == _expected(database, set(ruled), "-updated")
    unflagged = set(ids) - set(ruled)
    assert _every_page(api, "label=probe&has_finding=false", 2) == _expected(database, unflagged, "-updated")
