"""The summaries the planning views read: item tallies kept by triggers, view snapshots, daily hygiene snapshots
(the trend) and the WIP trend."""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import delete, func, insert, or_, select, update

from api.views.hygiene import HYGIENE_SNAPSHOT, record_hygiene_snapshot
from api.views.tallies import ITEM_TALLY, compact_item_tallies, read_tallies
from core.policy import Policy
from models.db import Database
from models.tables import CONTAINERS, FINDINGS, ITEMS, RUNS, TRANSITIONS
from tests.api.conftest import AppFactory, bearer
from tests.api.seed import NOW, Seeded

Group = tuple[int | None, int | None, str, str, str]


def _counted_directly(database: Database) -> Counter[Group]:
    with database.read_session() as session:
        rows = session.execute(
            select(
                ITEMS.c.container_id,
                ITEMS.c.subcontainer_id,
                ITEMS.c.source,
                ITEMS.c.status_raw,
                ITEMS.c.status_category,
                func.count(),
                func.coalesce(func.sum(ITEMS.c.estimate), 0),
            )
            .where(ITEMS.c.deleted_at.is_(None))
            .group_by(
                ITEMS.c.container_id,
                ITEMS.c.subcontainer_id,
                ITEMS.c.source,
                ITEMS.c.status_raw,
                ITEMS.c.status_category,
            )
        ).all()
    counts: Counter[Group] = Counter()
    for c, s, source, raw, category, n, points in rows:
        counts[(c, s, source, raw, category)] = n * 1000 + round(float(points) * 10)
    return counts


def _tallied(database: Database) -> Counter[Group]:
    counts: Counter[Group] = Counter()
    for t in read_tallies(database):
        counts[(t.container_id, t.subcontainer_id, t.source, t.status_raw, t.status_category)] = t.items * 1000 + round(
            t.points * 10
        )
    return counts


def _tally_rows(database: Database) -> int:
    with database.read_session() as session:
        return int(session.execute(select(func.count()).select_from(ITEM_TALLY)).scalar_one())


def test_tallies_follow_every_kind_of_write(seeded: Seeded, database: Database) -> None:
    assert _tallied(database) == _counted_directly(database)
    assert sum(t.items for t in read_tallies(database)) > 50
    pay = seeded.items["PAY-11"]
    with database.session() as session:
        other = session.execute(select(CONTAINERS.c.id).where(CONTAINERS.c.name == "Growth")).scalar_one()
        ids = [int(i) for i in session.execute(select(ITEMS.c.id).order_by(ITEMS.c.id).limit(6)).scalars()]
        session.execute(update(ITEMS).where(ITEMS.c.id == pay).values(status_category="done", status_raw="Done"))
        session.execute(update(ITEMS).where(ITEMS.c.id == ids[0]).values(deleted_at=NOW))
        session.execute(update(ITEMS).where(ITEMS.c.id == ids[1]).values(container_id=other, estimate=13.5))
        session.execute(update(ITEMS).where(ITEMS.c.id.in_(ids[2:4])).values(estimate=None))
        session.execute(delete(ITEMS).where(ITEMS.c.id == ids[4]))
        session.commit()
    assert _tallied(database) == _counted_directly(database)
    with database.session() as session:  # revive the tombstone
        session.execute(update(ITEMS).where(ITEMS.c.id == ids[0]).values(deleted_at=None))
        session.commit()
    assert _tallied(database) == _counted_directly(database)


def test_writes_that_change_nothing_counted_append_nothing(seeded: Seeded, database: Database) -> None:
    compact_item_tallies(database)
    before = _tally_rows(database)
    with database.session() as session:
        session.execute(update(ITEMS).values(title=ITEMS.c.title + " (edited)", status_raw=ITEMS.c.status_raw))
        session.commit()
    assert _tally_rows(database) == before
    assert _tallied(database) == _counted_directly(database)


def test_compaction_folds_rows_and_keeps_the_sums(seeded: Seeded, database: Database) -> None:
    with database.session() as session:
        for _ in range(3):
            session.execute(update(ITEMS).values(estimate=func.coalesce(ITEMS.c.estimate, 0) + 1))
        session.commit()
    expected = _counted_directly(database)
    appended = _tally_rows(database)
    folded = compact_item_tallies(database)
    assert folded == appended
    assert _tally_rows(database) == len(expected) < appended
    assert _tallied(database) == expected
    assert compact_item_tallies(database) == len(expected)  # idempotent: folding again changes nothing
    assert _tallied(database) == expected


def test_views_count_through_the_tallies(seeded: Seeded, database: Database, make_app: AppFactory) -> None:
    with TestClient(make_app(), headers=bearer(seeded.admin_key)) as api:
        before = {t["name"]: t["open_items"] for t in api.get("/api/v1/teams").json()}
        board = api.get("/api/v1/teams/payments/board").json()
        with database.session() as session:
            session.execute(
                update(ITEMS)
                .where(ITEMS.c.id == seeded.items["PAY-11"])
                .values(status_category="done", status_raw="Done")
            )
            session.commit()
        after = {t["name"]: t["open_items"] for t in api.get("/api/v1/teams").json()}
        assert after["payments"] == before["payments"] - 1
        moved = {c["category"]: c["count"] for c in api.get("/api/v1/teams/payments/board").json()["columns"]}
        was = {c["category"]: c["count"] for c in board["columns"]}
        assert sum(moved.values()) == sum(was.values())
        assert moved["done"] == was["done"] + 1


def test_hygiene_keeps_a_daily_snapshot_and_reports_the_trend(
    seeded: Seeded, database: Database, make_app: AppFactory
) -> None:
    today = [NOW - timedelta(days=1)]
    with TestClient(make_app(clock=lambda: today[0]), headers=bearer(seeded.admin_key)) as api:
        yesterday = {s["name"]: s for s in api.get("/api/v1/hygiene").json()["scores"]}
        assert yesterday["payments"]["previous_score"] is None
        assert yesterday["payments"]["history"] == []
        with database.session() as session:
            session.execute(
                insert(FINDINGS).values(
                    rule_id="R05",
                    subject_type="work_item",
                    subject_key="trend",
                    work_item_id=seeded.items["PAY-12"],
                    team="payments",
                    severity="high",
                    message="New today.",
                    details={},
                    first_seen_at=NOW,
                    last_seen_at=NOW,
                )
            )
            session.commit()
        today[0] = NOW
        report = api.get("/api/v1/hygiene?trend_days=7").json()
        payments = next(s for s in report["scores"] if s["name"] == "payments")
        assert payments["score"] < yesterday["payments"]["score"]
        assert payments["previous_score"] == yesterday["payments"]["score"]
        assert payments["change"] == round(payments["score"] - yesterday["payments"]["score"], 1)
        assert payments["history"] == [
            {"date": (NOW - timedelta(days=1)).date().isoformat(), "score": yesterday["payments"]["score"]}
        ]
        assert report["trend_days"] == 7
    with database.read_session() as session:
        days = Counter(
            (str(day), scope)
            for day, scope in session.execute(select(HYGIENE_SNAPSHOT.c.snapshot_date, HYGIENE_SNAPSHOT.c.scope))
        )
    assert days[(NOW.date().isoformat(), "team")] == days[((NOW - timedelta(days=1)).date().isoformat(), "team")] == 3


def test_record_hygiene_snapshot_replaces_the_days_rows(seeded: Seeded, database: Database) -> None:
    written = record_hygiene_snapshot(database, Policy(), NOW)
    assert written == record_hygiene_snapshot(database, Policy(), NOW + timedelta(hours=2))
    with database.read_session() as session:
        rows = session.execute(select(HYGIENE_SNAPSHOT.c.scope, HYGIENE_SNAPSHOT.c.computed_at)).all()
    assert len(rows) == written
    assert {scope for scope, _ in rows} == {"container"} or {scope for scope, _ in rows} == {"team", "container"}
    assert {at for _, at in rows} == {NOW + timedelta(hours=2)}


def test_a_snooze_changes_hygiene_at_once(seeded: Seeded, make_app: AppFactory) -> None:
    with TestClient(make_app(), headers=bearer(seeded.admin_key)) as api:
        before = next(s for s in api.get("/api/v1/hygiene").json()["scores"] if s["name"] == "payments")
        until = (NOW + timedelta(days=2)).isoformat()
        finding = seeded.findings["R02:PAY-11"]
        assert api.post(f"/api/v1/findings/{finding}/snooze", json={"until": until, "reason": "x"}).status_code == 200
        during = next(s for s in api.get("/api/v1/hygiene").json()["scores"] if s["name"] == "payments")
        assert during["score"] > before["score"]  # PAY-11 now weighs only its other (medium) finding
        assert api.delete(f"/api/v1/findings/{finding}/snooze").status_code == 200
        after = next(s for s in api.get("/api/v1/hygiene").json()["scores"] if s["name"] == "payments")
        assert after["score"] == before["score"]


def test_a_snooze_that_expires_counts_again(seeded: Seeded, make_app: AppFactory) -> None:
    clock = [NOW]
    with TestClient(make_app(clock=lambda: clock[0]), headers=bearer(seeded.admin_key)) as api:
        before = next(s for s in api.get("/api/v1/hygiene").json()["scores"] if s["name"] == "payments")
        finding = seeded.findings["R02:PAY-11"]
        until = (NOW + timedelta(hours=1)).isoformat()
        assert api.post(f"/api/v1/findings/{finding}/snooze", json={"until": until, "reason": "x"}).status_code == 200
        assert next(s for s in api.get("/api/v1/hygiene").json()["scores"] if s["name"] == "payments") != before
        clock[0] = NOW + timedelta(hours=1, minutes=1)
        expired = next(s for s in api.get("/api/v1/hygiene").json()["scores"] if s["name"] == "payments")
        assert expired["score"] == before["score"]


def test_flow_reports_wip_per_day_walking_back_from_now(
    seeded: Seeded, database: Database, make_app: AppFactory
) -> None:
    with TestClient(make_app(), headers=bearer(seeded.admin_key)) as api:
        flow = api.get("/api/v1/flow?weeks=2").json()
    overall = flow["overall"]
    days = list(overall["wip_per_day"])
    assert len(days) == 15
    assert days[-1] == NOW.date().isoformat()
    assert overall["wip_per_day"][days[-1]] == overall["wip"]
    for slice_ in flow["by_source"]:
        assert slice_["wip_per_day"][days[-1]] == slice_["wip"]
    assert {d: sum(s["wip_per_day"].get(d, 0) for s in flow["by_source"]) for d in days} == overall["wip_per_day"]
    # Independently, per item: an item with a change into or out of in progress in the window is, at the end of a
    # day, where its last such change up to then took it (before the first: where that change took it from);
    # any other item is where it is now.
    with database.read_session() as session:
        moves = session.execute(
            select(
                TRANSITIONS.c.work_item_id,
                TRANSITIONS.c.changed_at,
                TRANSITIONS.c.from_category,
                TRANSITIONS.c.to_category,
            )
            .where(
                TRANSITIONS.c.field == "status",
                TRANSITIONS.c.changed_at > NOW - timedelta(weeks=2),
                TRANSITIONS.c.changed_at <= NOW,
                or_(TRANSITIONS.c.from_category == "in_progress", TRANSITIONS.c.to_category == "in_progress"),
            )
            .order_by(TRANSITIONS.c.changed_at, TRANSITIONS.c.id)
        ).all()
        current = dict(
            session.execute(select(ITEMS.c.id, ITEMS.c.status_category).where(ITEMS.c.deleted_at.is_(None))).all()
        )
    assert any(m.work_item_id in current for m in moves)  # the window has changes to follow
    for day in days[:-1]:
        end = datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(0), tzinfo=UTC)
        state = dict(current)
        for item in current:
            mine = [m for m in moves if m.work_item_id == item]
            before = [m for m in mine if m.changed_at < end]
            if before:
                state[item] = before[-1].to_category
            elif mine:
                state[item] = mine[0].from_category
        expected = sum(1 for category in state.values() if category == "in_progress")
        assert overall["wip_per_day"][day] == expected, day


def test_tallies_stay_exact_under_concurrent_writers_and_compactions(seeded: Seeded, database: Database) -> None:
    """Writers never wait on each other for the tallies (rows are appended), and a compaction racing them neither
    loses nor double-counts a row."""
    with database.read_session() as session:
        ids = [int(i) for i in session.execute(select(ITEMS.c.id).order_by(ITEMS.c.id)).scalars()]
    categories = ["todo", "in_progress", "done", "backlog"]
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for step in range(15):
                with database.session() as session:
                    for item in ids[worker::4][:8]:
                        session.execute(
                            update(ITEMS)
                            .where(ITEMS.c.id == item)
                            .values(status_category=categories[(step + worker) % 4], estimate=float(step))
                        )
                    session.commit()
        except BaseException as error:
            errors.append(error)

    def compact() -> None:
        try:
            for _ in range(10):
                compact_item_tallies(database)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)] + [threading.Thread(target=compact)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert _tallied(database) == _counted_directly(database)


def test_sync_runs_and_reports_export_every_row_in_batches(
    seeded: Seeded, database: Database, make_app: AppFactory
) -> None:
    with database.session() as session:
        jira = seeded.connections["jira"]
        session.execute(
            insert(RUNS),
            [
                {
                    "connection_id": jira,
                    "kind": "incremental",
                    "status": "succeeded",
                    "started_at": NOW - timedelta(minutes=n),
                    "finished_at": NOW - timedelta(minutes=n) + timedelta(seconds=30),
                    "items_seen": n,
                    "items_changed": 0,
                    "errors": [],
                }
                for n in range(2_100)
            ],
        )
        session.commit()
    with TestClient(make_app(), headers=bearer(seeded.admin_key)) as api:
        total = len(api.get("/api/v1/sync/runs?limit=500").json()["items"])
        rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/sync/runs?format=csv").text)))
        assert total == 500
        assert len(rows) == len({r["id"] for r in rows}) >= 2_100
        assert [int(r["id"]) for r in rows] == sorted((int(r["id"]) for r in rows), reverse=True)
        reports = list(csv.DictReader(io.StringIO(api.get("/api/v1/reports?format=csv").text)))
        assert [int(r["id"]) for r in reports] == [seeded.report_id]
