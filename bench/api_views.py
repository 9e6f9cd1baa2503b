"""p50 / p95 of each planning view at a given store size, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.api_views [--items 10000 1000000] [--dialect sqlite|postgresql|both] [--repeat 30]
        [--cache DIR] [--stores DIR] [--record]

The store is seeded with Core bulk inserts in large batches (not through HTTP): three connections, 60 projects
and boards in 12 teams, 2,000 people, one sprint per 250 items on 20 boards (the newest of each active), items with
labels, status history, findings and sprint memberships; then the item tallies are compacted and statistics
refreshed, as the sweep does. ``--stores DIR`` keeps each seeded store (a SQLite file in DIR, a PostgreSQL database
``baton_bench_views_<size>``) and reuses it on the next run, upgraded to the newest migration first (seeding 1M items
takes minutes). ``--record`` writes the table (and ``view_p95_1m_vs_10k``, the worst p95 ratio between
the largest and the smallest size) into docs/benchmarks.md.
Each view is then requested ``--repeat`` times in process (FastAPI TestClient, rate limit off) after one warm-up,
on every size's store in turn (request 1 at 10k, request 1 at 1M, request 2 at 10k, ...), so whatever else loads the
machine weighs on both sizes alike.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import insert, make_url, select

import migrations
from api.app import create_app
from api.auth.keys import create_api_key
from api.views.tallies import compact_item_tallies
from bench.results import Figure, machine_summary, record
from core.settings import Settings
from models.db import Database
from models.enums import ApiKeyRole
from models.tables import (
    CONNECTIONS,
    CONTAINERS,
    FINDINGS,
    ITEMS,
    LABELS,
    MEMBERSHIPS,
    PEOPLE,
    SPRINTS,
    TRANSITIONS,
)
from tests.dbutil import POSTGRES_URL, _admin_dsn, fresh_database_url

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BATCH = 10_000
CATEGORIES = ["backlog", "todo", "in_progress", "done", "cancelled", "unknown"]
WEIGHTS = [25, 15, 12, 40, 6, 2]
SOURCES = ["jira", "trello", "asana"]
LABELS_POOL = [f"label-{n}" for n in range(200)]
RULES = [f"R{n:02d}" for n in range(1, 21)]


def batched(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk(database: Database, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    for chunk in batched(rows):
        with database.session() as session:
            session.execute(insert(table), chunk)
            session.commit()
        count += len(chunk)
    return count


def seed(database: Database, items: int) -> dict[str, Any]:
    """Fill the store; returns ids the requests use."""
    rng = random.Random(42)
    with database.session() as session:
        for name in SOURCES:
            session.execute(insert(CONNECTIONS).values(name=name, vendor=name, base_url=f"https://{name}.example"))
        session.commit()
        connections = dict(session.execute(select(CONNECTIONS.c.name, CONNECTIONS.c.id)).all())
    containers = [
        {
            "connection_id": connections[SOURCES[n % 3]],
            "kind": "project" if n % 3 != 1 else "board",
            "external_id": f"c{n}",
            "key": f"P{n}",
            "name": f"Container {n}",
            "team": f"team-{n % 12}",
            "first_seen_at": NOW,
            "last_seen_at": NOW,
        }
        for n in range(60)
    ]
    bulk(database, CONTAINERS, iter(containers))
    bulk(
        database,
        PEOPLE,
        (
            {"display_name": f"Person {n}", "email": f"p{n}@acme.example", "is_bot": False, "created_at": NOW}
            for n in range(2000)
        ),
    )
    with database.read_session() as session:
        container_rows = session.execute(
            select(CONTAINERS.c.id, CONTAINERS.c.connection_id).order_by(CONTAINERS.c.id)
        ).all()
        people = [int(i) for i in session.execute(select(PEOPLE.c.id).order_by(PEOPLE.c.id)).scalars()]
    # A sprint holds a team's fortnight of work: a bigger store has more sprints (a longer history on each of the
    # 20 Jira boards), not bigger ones. One sprint per 250 items (at least 40); the newest of each board is active.
    sprint_count = max(40, items // 250)
    board_ids = [int(i) for i, connection_id in container_rows if connection_id == connections["jira"]]
    per_board = sprint_count // len(board_ids)
    sprint_rows = [
        {
            "connection_id": connections["jira"],
            "board_container_id": board_ids[n % len(board_ids)],
            "external_id": f"s{n}",
            "name": f"Sprint {n}",
            "state": "active" if n // len(board_ids) == per_board - 1 else "closed",
            "start_at": NOW - timedelta(days=14 * (per_board - n // len(board_ids))),
            "end_at": NOW - timedelta(days=14 * (per_board - 1 - n // len(board_ids))),
        }
        for n in range(per_board * len(board_ids))
    ]
    bulk(database, SPRINTS, iter(sprint_rows))
    with database.read_session() as session:
        sprints = [
            (int(i), s)
            for i, s in session.execute(select(SPRINTS.c.id, SPRINTS.c.start_at).order_by(SPRINTS.c.id)).all()
        ]

    def item_rows() -> Iterator[dict[str, Any]]:
        for n in range(items):
            container_id, connection_id = container_rows[n % len(container_rows)]
            category = rng.choices(CATEGORIES, WEIGHTS)[0]
            updated = NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
            yield {
                "connection_id": connection_id,
                "source": SOURCES[(n % len(container_rows)) % 3],
                "external_id": f"e{n}",
                "key": f"P{n % 60}-{n}",
                "title": f"Item {n}: {rng.choice(['checkout', 'refund', 'search', 'login', 'export'])} work",
                "type": "epic" if n % 100 == 0 else rng.choice(["story", "task", "bug"]),
                "status_raw": category.replace("_", " ").title(),
                "status_category": category,
                "assignee_person_id": rng.choice(people) if rng.random() < 0.8 else None,
                "estimate": float(rng.choice([1, 2, 3, 5, 8])) if rng.random() < 0.6 else None,
                "due": (NOW + timedelta(days=rng.randint(-60, 60))).date() if rng.random() < 0.2 else None,
                "container_id": container_id,
                "epic_external_id": f"e{(n // 100) * 100}" if n % 100 and rng.random() < 0.5 else None,
                "source_created_at": updated - timedelta(days=rng.randint(0, 200)),
                "source_updated_at": updated,
                "source_version": str(n),
                "raw": {},
                "first_seen_at": NOW,
                "last_seen_at": NOW,
                "updated_at": NOW,
                "deleted_at": NOW if rng.random() < 0.01 else None,
            }

    started = time.perf_counter()
    bulk(database, ITEMS, item_rows())
    with database.read_session() as session:
        first_id = int(session.execute(select(ITEMS.c.id).order_by(ITEMS.c.id).limit(1)).scalar_one())
    ids = range(first_id, first_id + items)

    def label_rows() -> Iterator[dict[str, Any]]:
        for item_id in ids:
            if rng.random() < 0.3:
                for label in rng.sample(LABELS_POOL, rng.randint(1, 2)):
                    yield {"work_item_id": item_id, "label": label}

    def transition_rows() -> Iterator[dict[str, Any]]:
        for item_id in ids:
            if rng.random() < 0.5:
                start = NOW - timedelta(days=rng.randint(1, 120))
                yield {
                    "work_item_id": item_id,
                    "field": "status",
                    "from_value": "To Do",
                    "to_value": "In Progress",
                    "from_category": "todo",
                    "to_category": "in_progress",
                    "changed_at": start,
                    "event_id": "a",
                }
                yield {
                    "work_item_id": item_id,
                    "field": "status",
                    "from_value": "In Progress",
                    "to_value": "Done",
                    "from_category": "in_progress",
                    "to_category": "done",
                    "changed_at": start + timedelta(days=rng.randint(0, 20)),
                    "event_id": "b",
                }

    def finding_rows() -> Iterator[dict[str, Any]]:
        for item_id in ids:
            if rng.random() < 0.05:
                rule = rng.choice(RULES)
                yield {
                    "rule_id": rule,
                    "subject_type": "work_item",
                    "subject_key": str(item_id),
                    "work_item_id": item_id,
                    "team": f"team-{item_id % 12}",
                    "severity": rng.choice(["low", "medium", "high"]),
                    "message": "bench",
                    "details": {},
                    "first_seen_at": NOW - timedelta(days=rng.randint(0, 90)),
                    "last_seen_at": NOW,
                    "resolved_at": NOW if rng.random() < 0.3 else None,
                }

    def membership_rows() -> Iterator[dict[str, Any]]:
        for item_id in ids:
            if rng.random() < 0.1:
                sprint_id, start = rng.choice(sprints)
                yield {
                    "sprint_id": sprint_id,
                    "work_item_id": item_id,
                    "added_at": start + timedelta(hours=rng.choice([0, 1, 48, 100])),
                }

    counts = {
        "labels": bulk(database, LABELS, label_rows()),
        "transitions": bulk(database, TRANSITIONS, transition_rows()),
        "findings": bulk(database, FINDINGS, finding_rows()),
        "memberships": bulk(database, MEMBERSHIPS, membership_rows()),
    }
    # What the sweep does after a bulk load: fold the item tallies the triggers appended, then refresh statistics.
    compact_item_tallies(database)
    if database.dialect == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "counts": counts,
        "item_id": first_id + items // 2,
        "person_id": people[len(people) // 2],
        "epic_id": first_id,
        "sprint_id": sprints[-1][0],
    }


def views(info: dict[str, Any]) -> dict[str, str]:
    return {
        "items (default page)": "/api/v1/items",
        "items status+team": "/api/v1/items?status_category=in_progress&team=team-3",
        "items assignee": f"/api/v1/items?assignee={info['person_id']}",
        "items label": "/api/v1/items?label=label-7",
        "items sort=due": "/api/v1/items?sort=due",
        "items sort=key": "/api/v1/items?sort=key",
        "items rule": "/api/v1/items?rule=R02",
        "items updated_since": "/api/v1/items?updated_since=2026-11-22T09:00:00Z",
        "items q (title scan)": "/api/v1/items?q=refund",
        "items next page": "NEXT:/api/v1/items?sort=created",
        "item detail": f"/api/v1/items/{info['item_id']}",
        "team board": "/api/v1/teams/team-3/board",
        "people": "/api/v1/people",
        "person workload": f"/api/v1/people/{info['person_id']}/workload",
        "due": "/api/v1/due",
        "findings": "/api/v1/findings",
        "findings rule": "/api/v1/findings?rule=R05",
        "sprints": "/api/v1/sprints",
        "epics": "/api/v1/epics",
        "rules": "/api/v1/rules",
        "teams (all counts)": "/api/v1/teams",
        "hygiene (all items)": "/api/v1/hygiene",
        "flow (12 weeks)": "/api/v1/flow",
    }


def _resolve(client: TestClient, path: str) -> str:
    if path.startswith("NEXT:"):
        path = path[5:]
        cursor = client.get(path).json()["next_cursor"]
        path = f"{path}&cursor={cursor}"
    return path


def _timed(client: TestClient, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.text[:200])
    return elapsed


def _p50_p95(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def measure_interleaved(
    clients: dict[int, tuple[TestClient, dict[str, Any]]], repeat: int
) -> dict[int, dict[str, tuple[float, float]]]:
    """Each view on every store size, the sizes' requests interleaved so the machine's load weighs on them alike."""
    results: dict[int, dict[str, tuple[float, float]]] = {size: {} for size in clients}
    first = next(iter(clients.values()))[1]
    for name in views(first):
        paths = {size: _resolve(client, views(info)[name]) for size, (client, info) in clients.items()}
        for size, (client, _) in clients.items():
            _timed(client, paths[size])  # warm-up (also builds a snapshot the view serves from)
        times: dict[int, list[float]] = {size: [] for size in clients}
        for _ in range(repeat):
            for size, (client, _) in clients.items():
                times[size].append(_timed(client, paths[size]))
        for size in clients:
            results[size][name] = _p50_p95(times[size])
        print(
            f"  {name}: "
            + ", ".join(
                f"{size:,}: p50 {results[size][name][0]:.1f} / p95 {results[size][name][1]:.1f} ms" for size in clients
            ),
            flush=True,
        )
    return results


def _kept_url(dialect: str, size: int, stores: Path) -> tuple[str, bool]:
    """The URL of the kept store of ``size`` items on ``dialect`` and whether it exists (it is created if not)."""
    if dialect == "sqlite":
        path = stores / f"sqlite-{size}.db"
        return f"sqlite:///{path}", path.exists() and (stores / f"sqlite-{size}.json").exists()
    name = f"baton_bench_views_{size}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
        if not found:
            admin.execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), found and (
        stores / f"postgresql-{size}.json"
    ).exists()


def _store(stack: ExitStack, dialect: str, size: int, workdir: Path, stores: Path | None) -> tuple[str, dict[str, Any]]:
    """A seeded store of ``size`` items at the newest migration: a fresh one, or the one kept in ``stores``."""
    if stores is None:
        url = stack.enter_context(fresh_database_url(dialect, workdir))
        kept = False
    else:
        stores.mkdir(parents=True, exist_ok=True)
        url, kept = _kept_url(dialect, size, stores)
    database = Database.from_url(url)
    try:
        migrations.upgrade_to_head(database.engine)
        if kept:
            assert stores is not None
            info: dict[str, Any] = json.loads((stores / f"{dialect}-{size}.json").read_text())
            print(f"[{dialect}] reusing the kept store of {size:,} items", flush=True)
            return url, info
        info = seed(database, size)
        print(f"[{dialect}] seeded {size:,} items in {info['seconds']:.0f} s: {info['counts']}", flush=True)
        if stores is not None:
            (stores / f"{dialect}-{size}.json").write_text(json.dumps(info))
        return url, info
    finally:
        database.dispose()


def run(
    dialect: str, sizes: list[int], repeat: int, workdir: Path, stores: Path | None = None
) -> dict[int, dict[str, tuple[float, float]]]:
    """Seed one store per size on ``dialect`` (or reuse the ones kept in ``stores``), then time every view on all of
    them, interleaved."""
    settings_key = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="
    with ExitStack() as stack:
        clients: dict[int, tuple[TestClient, dict[str, Any]]] = {}
        for size in sizes:
            url, info = _store(stack, dialect, size, workdir, stores)
            database = Database.from_url(url)
            stack.callback(database.dispose)
            key = create_api_key(database, name="bench", role=ApiKeyRole.VIEWER)
            settings = Settings(database_url=url, rate_limit_per_second=0, secret_keys=settings_key)
            client = stack.enter_context(
                TestClient(
                    create_app(settings, database=database, clock=lambda: NOW),
                    headers={"Authorization": f"Bearer {key.secret}"},
                )
            )
            clients[size] = (client, info)
        print(f"[{dialect}] timing {len(views(clients[sizes[0]][1]))} views x {repeat} requests per size", flush=True)
        return measure_interleaved(clients, repeat)


GOAL_RATIO = 3.0


def _table(results: dict[tuple[str, int], dict[str, list[float]]], dialects: list[str], sizes: list[int]) -> str:
    small, large = min(sizes), max(sizes)
    header = ["view"]
    for d in dialects:
        header += [f"{d} p50 / p95 ms at {n:,}" for n in sizes]
        if len(sizes) > 1:
            header.append(f"{d} p95 ratio")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in results[(dialects[0], sizes[0])]:
        cells = [name]
        for d in dialects:
            cells += [f"{results[(d, n)][name][0]:.1f} / {results[(d, n)][name][1]:.1f}" for n in sizes]
            if len(sizes) > 1:
                cells.append(f"{results[(d, large)][name][1] / results[(d, small)][name][1]:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[10_000], help="store sizes (e.g. 10000 1000000)")
    parser.add_argument("--dialect", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--cache", type=Path, default=None, help="keep each (dialect, size) result here, reuse it")
    parser.add_argument("--stores", type=Path, default=None, help="keep each seeded store here, reuse it next time")
    parser.add_argument("--record", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args()
    dialects = ["sqlite", "postgresql"] if args.dialect == "both" else [args.dialect]
    sizes = sorted(args.items)
    results: dict[tuple[str, int], dict[str, list[float]]] = {}
    with TemporaryDirectory() as tmp:
        for dialect in dialects:
            cached = args.cache / f"{dialect}-{'-'.join(str(n) for n in sizes)}.json" if args.cache else None
            if cached is not None and cached.exists():
                measured = {int(k): v for k, v in json.loads(cached.read_text()).items()}
            else:
                measured = {
                    size: {name: list(pair) for name, pair in by_view.items()}
                    for size, by_view in run(dialect, sizes, args.repeat, Path(tmp), args.stores).items()
                }
                if cached is not None:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    cached.write_text(json.dumps(measured))
            for size, by_view in measured.items():
                results[(dialect, size)] = by_view
    command = (
        f".venv/bin/python -m bench.api_views --items {' '.join(str(n) for n in sizes)} --dialect {args.dialect}"
        f" --repeat {args.repeat}"
    )
    table = _table(results, dialects, sizes)
    print(f"\n{command}\n\n{table}")
    if not args.record:
        return
    figures: list[Figure] = []
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratios = {
            (d, name): results[(d, large)][name][1] / results[(d, small)][name][1]
            for d in dialects
            for name in results[(d, small)]
        }
        worst = max(ratios, key=lambda k: ratios[k])
        figures.append(Figure("view_p95_1m_vs_10k", round(ratios[worst], 2), "x", f"<= {GOAL_RATIO:g}", command))
        for d in dialects:
            figures.append(
                Figure(
                    f"view_p95_1m_vs_10k_{d}",
                    round(max(v for (dd, _), v in ratios.items() if dd == d), 2),
                    "x",
                    f"<= {GOAL_RATIO:g}",
                    command,
                )
            )
        misses = sorted(
            f"{name} ({d}, {ratios[(d, name)]:.2f})" for (d, name) in ratios if ratios[(d, name)] > GOAL_RATIO
        )
        verdict = f"Worst ratio: {ratios[worst]:.2f} ({worst[1]}, {worst[0]}); goal <= {GOAL_RATIO:g}. " + (
            f"Views over the goal: {', '.join(misses)}." if misses else "Every view meets the goal."
        )
    else:
        verdict = ""
    markdown = f"""## Planning views (`api/`): p50 / p95 per view by store size

`{command}` ({date.today()}; {machine_summary()}).

Each view is requested {args.repeat} times in process (FastAPI TestClient) after one warm-up, alternating between
the sizes' stores (so the machine's load weighs on them alike), on stores seeded by
`bench/api_views.py` (60 containers in 12 teams, 2,000 people, one sprint per 250 items, labels, history, findings).
Whole-organisation counts come from the trigger-kept item tallies; hygiene's finding weights and flow from view
snapshots (docs/api.md, "How the views stay fast"). The goal: p95 at the largest size within {GOAL_RATIO:g}x of the
smallest, for every view. {verdict}

{table}
"""
    record("40-api-views", markdown, figures)


if __name__ == "__main__":
    main()
