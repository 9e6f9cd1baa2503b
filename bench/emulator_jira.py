"""Jira emulator benchmark: generation and full `search/jql` paging over HTTP at --items issues (default 100,000).

Run: .venv/bin/python -m bench.emulator_jira --items 100000
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import httpx

from emulators.config import EmulatorConfig
from emulators.jira import build_app
from emulators.org.generator import Organisation, OrgConfig
from emulators.org.model import Vendor
from emulators.server import running_server

AUTH = ("baton@example.com", "emulator-token")


@dataclass(frozen=True)
class Row:
    """One measured line of the table."""

    measure: str
    result: str


def rss_mb() -> float:
    """Current resident set size in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def page_through(client: httpx.Client, params: dict[str, object]) -> tuple[int, int, float, float]:
    """Follow nextPageToken to the end; (issues, pages, wall seconds, CPU seconds of server and client)."""
    started = time.perf_counter()
    cpu = time.process_time()
    token: str | None = None
    issues = pages = 0
    while True:
        query = {**params, **({"nextPageToken": token} if token else {})}
        response = client.get("/rest/api/3/search/jql", params=query)
        response.raise_for_status()
        page = response.json()
        issues += len(page["issues"])
        pages += 1
        if page["isLast"]:
            return issues, pages, time.perf_counter() - started, time.process_time() - cpu
        token = page["nextPageToken"]


def rate(issues: int, pages: int, seconds: float, cpu: float) -> str:
    """`N issues in P pages: X s, Y pages/s, Z issues/s (C s CPU, D ms CPU per page)`."""
    speed = f"{pages / seconds:,.1f} pages/s, {issues / seconds:,.0f} issues/s"
    cost = f"CPU {cpu:.1f} s = {cpu / pages * 1000:.0f} ms/page"
    return f"{issues:,} issues in {pages:,} pages: {seconds:.1f} s, {speed}; {cost}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=20_000, help="issues generated to time generation")
    args = parser.parse_args()
    rows: list[Row] = []

    started = time.perf_counter()
    org = Organisation(OrgConfig(seed=args.seed, items=args.items))
    rows.append(Row("organisation built", f"{time.perf_counter() - started:.2f} s"))
    step = max(1, args.items // args.sample)
    sample = range(0, args.items, step)
    started = time.process_time()
    for index in sample:
        org.generate(Vendor.JIRA, index)
    elapsed = time.process_time() - started
    rows.append(
        Row(
            "issue generation with full history (CPU time)",
            f"{len(sample) / elapsed:,.0f} issues/s ({elapsed / len(sample) * 1e6:.0f} µs each)",
        )
    )

    app = build_app(EmulatorConfig(vendor="jira", seed=args.seed, items=args.items))
    with running_server(app) as url, httpx.Client(base_url=url, auth=AUTH, timeout=600) as client:
        keys = ", ".join(p["key"] for p in client.get("/rest/api/3/project").json())
        bounded = f"project in ({keys}) ORDER BY key ASC"
        fields = "summary,status,assignee,updated,created,labels,parent"
        rows.append(
            Row(
                f"search/jql, 100 per page, fields={fields}",
                rate(*page_through(client, {"jql": bounded, "maxResults": 100, "fields": fields})),
            )
        )
        rows.append(
            Row(
                "search/jql, 100 per page, fields=*all (comments embedded)",
                rate(*page_through(client, {"jql": bounded, "maxResults": 100, "fields": "*all"})),
            )
        )
        rows.append(
            Row(
                "search/jql, 5,000 per page, ids only",
                rate(*page_through(client, {"jql": bounded, "maxResults": 5000})),
            )
        )
        started = time.perf_counter()
        cpu = time.process_time()
        client.post(
            "/rest/api/3/search/approximate-count", json={"jql": f"project in ({keys}) AND updated >= -3650d"}
        ).raise_for_status()
        rows.append(
            Row(
                "first date-filtered query (builds the per-project facts index)",
                f"{time.perf_counter() - started:.1f} s (CPU {time.process_time() - cpu:.1f} s)",
            )
        )
        updated = f"project in ({keys}) AND updated >= '2000-01-01' ORDER BY updated ASC"
        rows.append(
            Row(
                "search/jql, 5,000 per page, ids only, updated >= … ORDER BY updated",
                rate(*page_through(client, {"jql": updated, "maxResults": 5000})),
            )
        )
    rows.append(Row("max RSS of the benchmark", f"{rss_mb():.0f} MB (current)"))

    width = max(len(r.measure) for r in rows)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (CPU times exclude contention)")
    print(f"| measure ({args.items:,} Jira issues, seed {args.seed}) | result |")
    print("|---|---|")
    for row in rows:
        print(f"| {row.measure.ljust(width)} | {row.result} |")


if __name__ == "__main__":
    main()
