"""Jira connector: full-pull rate of the two bulk-read paths, full-sync rate and peak RSS into a store.

    .venv/bin/python -m bench.sync_jira [--items 20000] [--dialect sqlite|postgresql] [--record]
    .venv/bin/python -m bench.sync_jira --items 100000 --scenarios sync-sdk

The Jira emulator runs in its own process (so its memory and CPU are not counted); every scenario runs in a
fresh worker process whose peak RSS (``ru_maxrss``) is the figure. Scenarios:

- ``pull-httpx`` / ``pull-sdk``: ``discover()`` then a full ``pull()`` with batches dropped: the bulk read
  alone, through httpx (``VendorHttp``) or the ``jira`` SDK (``enhanced_search_issues``, one page per call);
- ``sync-sdk`` / ``sync-httpx``: ``run_sync(full=True)`` into a fresh store: discovery, pull, upserts, census
  (``sync-sdk`` is the connector's default path).

Requests are compared with the fewest a full sync could make (discovery + one search page per 100 issues + one
ids-only census page per 5,000 issues of each project), the same count as the conformance harness.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SEED = 1
EMAIL, TOKEN = "baton@example.com", "emulator-token"
SCENARIOS = ("pull-httpx", "pull-sdk", "sync-sdk")

_EMULATOR = f"""
import sys
from emulators.config import EmulatorConfig
from emulators.jira import PLUGIN
from emulators.server import ServedApp, serve_forever
items, port = int(sys.argv[1]), int(sys.argv[2])
credentials = {{"email": {EMAIL!r}, "api_token": {TOKEN!r}}}
config = EmulatorConfig(vendor="jira", seed={SEED}, items=items, credentials=credentials)
serve_forever([ServedApp(PLUGIN.build_app(config), port)], log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def emulator(items: int) -> Any:
    """The Jira emulator in a child process; yields its base URL."""
    port = free_port()
    child = subprocess.Popen([sys.executable, "-c", _EMULATOR, str(items), str(port)], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/rest/api/3/serverInfo", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError("the Jira emulator did not start") from None
                time.sleep(0.2)
        warm_up(url)
        yield url
    finally:
        child.terminate()
        child.wait(30)


def warm_up(url: str) -> None:
    """Let the emulator index every project once (its first ordered query generates each issue's facts)."""
    with httpx.Client(base_url=url, auth=(EMAIL, TOKEN), timeout=600) as client:
        keys = [p["key"] for p in client.get("/rest/api/3/project/search").json()["values"]]
        jql = f"project in ({', '.join(keys)}) ORDER BY updated ASC"
        client.post("/rest/api/3/search/jql", json={"jql": jql, "fields": ["id"], "maxResults": 1}).raise_for_status()


def minimum_requests(url: str) -> int:
    """Discovery, search pages at 100, ids-only census pages at 5,000 per project (see the module docstring)."""
    with httpx.Client(base_url=url, auth=(EMAIL, TOKEN), timeout=600) as client:
        projects = client.get("/rest/api/3/project/search", params={"maxResults": 100}).json()["values"]
        boards = client.get("/rest/agile/1.0/board", params={"maxResults": 50}).json()["values"]
        sprint_pages = 0
        for board in boards:
            sprints = client.get(f"/rest/agile/1.0/board/{board['id']}/sprint", params={"maxResults": 50}).json()
            sprint_pages += 1 + (0 if sprints.get("isLast", True) else math.ceil(sprints["total"] / 50) - 1)
        people = client.get("/rest/api/3/group/member", params={"groupname": "jira-software-users"}).json()["total"]
        counts = [
            client.post("/rest/api/3/search/approximate-count", json={"jql": f"project = {p['id']}"}).json()["count"]
            for p in projects
        ]
    discovery = 4 + math.ceil(len(projects) / 100) + max(1, math.ceil(len(boards) / 50)) + len(boards)
    discovery += sprint_pages + max(1, math.ceil(people / 50))
    return int(discovery + math.ceil(sum(counts) / 100) + sum(max(1, math.ceil(c / 5000)) for c in counts))


# ----- the worker (one scenario per process) --------------------------------------------------------------


def run_scenario(scenario: str, url: str, dialect: str, workdir: str) -> dict[str, Any]:
    """Run one scenario here and return its figures."""
    from connectors.config import ConnectorConfig
    from connectors.jira.client import BulkRead, JiraClient
    from connectors.jira.connector import JiraConnector
    from models.enums import Vendor

    config = ConnectorConfig(
        name="jira", vendor=Vendor.JIRA, base_url=url, credentials={"email": EMAIL, "api_token": TOKEN}
    )
    path = BulkRead.SDK if scenario.endswith("sdk") else BulkRead.HTTPX
    connector = JiraConnector(config, JiraClient(config, bulk_read=path))
    started = time.perf_counter()
    cpu = time.process_time()
    if scenario.startswith("pull"):
        connector.discover()
        items = sum(len(batch.items) for batch in connector.pull({}, full=True))
    else:
        items = sync_into_store(connector, dialect, Path(workdir))
    seconds = time.perf_counter() - started
    return {
        "scenario": scenario,
        "items": items,
        "seconds": seconds,
        "client_cpu_seconds": time.process_time() - cpu,
        "requests": connector.requests_made,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def sync_into_store(connector: Any, dialect: str, workdir: Path) -> int:
    import migrations
    from models.db import Database
    from sync.engine import run_sync
    from sync.store import ensure_connection
    from tests.dbutil import fresh_database_url

    with fresh_database_url(dialect, workdir) as url:
        database = Database.from_url(url)
        migrations.upgrade_to_head(database.engine)
        connection_id = ensure_connection(database, name="jira", vendor="jira", base_url=connector.config.base_url)
        report = run_sync(
            database, connection_id=connection_id, vendor=connector.config.vendor, connector=connector, full=True
        )
        database.dispose()
    if report.status != "succeeded":
        raise RuntimeError(f"sync failed: {report.errors}")
    return report.items_seen


def run_worker(scenario: str, url: str, dialect: str, workdir: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.sync_jira", "--worker", scenario, "--url", url, "--dialect", dialect]
    done = subprocess.run([*command, "--workdir", workdir], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{scenario} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--dialect", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--record", action="store_true", help="write the section of docs/benchmarks.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_scenario(args.worker, args.url, args.dialect, args.workdir)))
        return
    scenarios = [s for s in args.scenarios.split(",") if s]
    command = f".venv/bin/python -m bench.sync_jira --items {args.items} --dialect {args.dialect}"
    if args.scenarios != ",".join(SCENARIOS):
        command += f" --scenarios {args.scenarios}"
    results = []
    with emulator(args.items) as url, TemporaryDirectory() as workdir:
        minimum = minimum_requests(url)
        for scenario in scenarios:
            result = run_worker(scenario, url, args.dialect, workdir)
            result["minimum_requests"] = minimum
            results.append(result)
            print(json.dumps(result), flush=True)
    table = render(results, args.items, args.dialect, command)
    print(table)
    if args.record:
        record_section(results, table, command)


def render(results: list[dict[str, Any]], items: int, dialect: str, command: str) -> str:
    from bench.results import machine_summary

    lines = [
        "## Jira connector (`connectors/jira/`)\n",
        f"{items:,} issues from the Jira emulator (seed {SEED}, its own process, on the same machine); "
        f"store: {dialect}. Pull scenarios drop the batches; the sync scenario stores them.\n",
        f"Command: `{command}`  \nMachine: {machine_summary()}\n",
        "| scenario | items | seconds | items/s | client CPU s | requests | minimum | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scenario']} | {r['items']:,} | {r['seconds']:.1f} | {r['items'] / r['seconds']:,.0f} | "
            f"{r['client_cpu_seconds']:.1f} | {r['requests']:,} | {r['minimum_requests']:,} | {r['peak_rss_mib']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def record_section(results: list[dict[str, Any]], table: str, command: str) -> None:
    from bench.results import Figure, record

    figures = []
    for r in results:
        name = f"jira_{r['scenario'].replace('-', '_')}_{r['items']}"
        figures.append(Figure(f"{name}_items_per_s", round(r["items"] / r["seconds"]), "items/s", "", command))
        figures.append(Figure(f"{name}_peak_rss", round(r["peak_rss_mib"]), "MiB", "", command))
        bound = math.floor(r["minimum_requests"] * 1.05)  # at most 5 % over the fewest pages
        figures.append(Figure(f"{name}_requests", r["requests"], "requests", f"<= {bound}", command))
    record(f"30-sync-jira-{results[0]['items']}", table, figures)


if __name__ == "__main__":
    main()
