"""p50 / p95 page time of each dashboard page at a given store size (server-rendered HTML, charts included).

    nice -n 10 .venv/bin/python -m bench.dashboard_pages [--items 100000] [--dialect sqlite|postgresql|both]
        [--repeat 20] [--record]

The store is seeded as bench/api_views.py seeds it (Core bulk inserts: three connections, 60 containers in 12
teams, 2,000 people, sprints, labels, history, findings), plus 14 stored nightly reports for the hygiene trend.
A browser session is signed in once (the sealed session cookie); each page is then requested ``--repeat`` times in
process (FastAPI TestClient over the whole app, middleware included) after one warm-up. ``--record`` writes the
section to docs/benchmarks.md and the figures to bench/results.json.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from datetime import timedelta
from html import unescape
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

import migrations
from api.app import create_app
from api.auth.keys import create_api_key
from api.dashboard.charts import clear_chart_cache
from bench.api_views import NOW, seed
from bench.results import Figure, machine_summary, record
from core.settings import Settings
from models.db import Database
from models.enums import ApiKeyRole
from models.tables import REPORTS
from tests.dbutil import fresh_database_url

SECTION = "60-dashboard-pages"
# Pages with charts, also measured with every chart drawn again (the first view after the data changed).
CHARTED = ("overview", "flow (12 weeks)")
FERNET_KEY = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="


def seed_reports(database: Database, days: int = 14) -> None:
    """Stored reports with per-team hygiene scores, one a day (the overview's trend reads them)."""
    with database.session() as session:
        for n in range(days):
            day = (NOW - timedelta(days=days - n)).date()
            scores = [{"team": f"team-{t}", "score": 60.0 + (t * 3 + n) % 40} for t in range(12)]
            session.execute(
                insert(REPORTS).values(
                    report_date=day,
                    team_scope="*",
                    generated_at=NOW - timedelta(days=days - n),
                    content_json={"date": day.isoformat(), "hygiene": scores},
                    content_html="<h1>Backlog hygiene</h1>",
                    content_md="# Backlog hygiene\n",
                    content_hash=f"{n:064d}",
                )
            )
        session.commit()


def pages(info: dict[str, Any]) -> dict[str, str]:
    """Page name -> path (``NEXT:`` follows the page's own "Next page" link)."""
    return {
        "overview": "/",
        "backlog (first page)": "/backlog",
        "backlog tool + status + team": "/backlog?source=jira&status=in_progress&team=team-3",
        "backlog search (title scan)": "/backlog?q=refund",
        "backlog next page": "NEXT:/backlog",
        "team board": "/board?team=team-3",
        "workload (people)": "/people",
        "person": f"/people/{info['person_id']}",
        "findings": "/findings",
        "findings rule": "/findings?rule=R05",
        "sprints": "/sprints",
        "flow (12 weeks)": "/flow",
        "reports": "/reports",
    }


def _follow_next(client: TestClient, path: str) -> str:
    page = client.get(path)
    match = re.search(r'<a href="(\?[^"]+)" rel="next">', page.text)
    assert match is not None, f"{path} has no next page"
    return path.split("?", 1)[0] + unescape(match.group(1))


def measure(client: TestClient, path: str, repeat: int, *, cold_charts: bool = False) -> tuple[float, float]:
    """(p50, p95) in milliseconds of ``repeat`` requests after a warm-up (``cold_charts``: every chart redrawn)."""
    if path.startswith("NEXT:"):
        path = _follow_next(client, path[5:])
    warm = client.get(path)
    assert warm.status_code == 200, (path, warm.status_code, warm.text[:300])
    times = []
    for _ in range(repeat):
        if cold_charts:
            clear_chart_cache()
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * len(times)) - 1)]


def run(dialect: str, items: int, repeat: int, workdir: Path) -> dict[str, tuple[float, float]]:
    with fresh_database_url(dialect, workdir) as url:
        database = Database.from_url(url)
        migrations.upgrade_to_head(database.engine)
        info = seed(database, items)
        seed_reports(database)
        print(f"[{dialect}] seeded {items:,} items in {info['seconds']:.0f} s: {info['counts']}", flush=True)
        key = create_api_key(database, name="bench", role=ApiKeyRole.ADMIN)
        settings = Settings(
            database_url=url, rate_limit_per_second=0, secret_keys=FERNET_KEY, scheduler=False, inbox_worker=False
        )
        results: dict[str, tuple[float, float]] = {}
        with TestClient(create_app(settings, database=database, clock=lambda: NOW)) as client:
            signed_in = client.post("/sign-in", data={"api_key": key.secret}, follow_redirects=False)
            assert signed_in.status_code == 303, signed_in.text[:300]
            measured = [(name, path, False) for name, path in pages(info).items()]
            measured += [(f"{name}, charts redrawn", pages(info)[name], True) for name in CHARTED]
            for name, path, cold in measured:
                results[name] = measure(client, path, repeat, cold_charts=cold)
                print(f"[{dialect}] {name}: p50 {results[name][0]:.1f} ms, p95 {results[name][1]:.1f} ms", flush=True)
        database.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--dialect", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--record", action="store_true", help="Write docs/benchmarks.md and bench/results.json.")
    args = parser.parse_args()
    dialects = ["sqlite", "postgresql"] if args.dialect == "both" else [args.dialect]
    table: dict[str, dict[str, tuple[float, float]]] = {}
    with TemporaryDirectory() as tmp:
        for dialect in dialects:
            table[dialect] = run(dialect, args.items, args.repeat, Path(tmp))
    command = (
        f"nice -n 10 .venv/bin/python -m bench.dashboard_pages --items {args.items} --dialect {args.dialect} "
        f"--repeat {args.repeat} --record"
    )
    lines = [
        "## Dashboard: p50 / p95 page time per page",
        "",
        f"Each dashboard page (server-rendered HTML, charts drawn by matplotlib on the server) at {args.items:,} "
        f"items, requested {args.repeat} times after a warm-up by a signed-in session, in process (TestClient, "
        "the whole app with its middleware). Store seeded as in the planning-view benchmark, plus 14 stored reports. "
        'Charts are memoised by their data; the "charts redrawn" rows clear that cache before every request.',
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_summary()}",
        "",
        "| page | " + " | ".join(f"{d} p50 ms | {d} p95 ms" for d in dialects) + " |",
        "|---|" + "---|---|" * len(dialects),
    ]
    figures: list[Figure] = []
    for name in next(iter(table.values())):
        cells = " | ".join(f"{table[d][name][0]:.1f} | {table[d][name][1]:.1f}" for d in dialects)
        lines.append(f"| {name} | {cells} |")
        figures += [
            Figure(f"dashboard {name} p95 ({d}, {args.items} items)", round(table[d][name][1], 1), "ms", "", command)
            for d in dialects
        ]
    lines += [
        "",
        "Where the time goes: the flow page is the `/api/v1/flow` view (`compute_flow` reads every item done in the "
        "window and its history); the overview computes the hygiene score over every open item and reads the 14 "
        "stored reports; the team board counts the team's items per status. A page's first view after its data "
        'changed also draws its charts (the "charts redrawn" rows).',
    ]
    markdown = "\n".join(lines)
    print("\n" + markdown)
    if args.record:
        record(SECTION, markdown, figures)


if __name__ == "__main__":
    main()
