"""Scale benchmark of the emulator engine: build time, RSS and paging rate at --items per vendor (default 1M).

Run: .venv/bin/python -m bench.emulator_scale --items 1000000
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from typing import Annotated

import httpx
from fastapi import FastAPI, Query

from emulators.app import create_emulator_app
from emulators.config import EmulatorConfig
from emulators.org.model import Vendor
from emulators.runtime import EmulatorRuntime
from emulators.server import running_server


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_bench_app(runtime: EmulatorRuntime) -> FastAPI:
    """A minimal vendor: one paged listing rendering each item as a small JSON object."""
    app = create_emulator_app(runtime, title="bench")

    @app.get("/rest/items")
    def items(
        team: int = 0,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 100,
    ) -> dict[str, object]:
        page = runtime.store.page(team, start_at, max_results)
        return {
            "startAt": start_at,
            "total": runtime.store.count(team),
            "values": [
                dict(id=i.external_id, key=i.key, title=i.title, status=i.status, updated=i.updated_at) for i in page
            ],
        }

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pages", type=int, default=300, help="pages of 100 fetched over HTTP")
    parser.add_argument("--sample", type=int, default=30_000, help="items generated to time generation")
    args = parser.parse_args()

    baseline = rss_mb()
    started = time.perf_counter()
    configs = {v: EmulatorConfig(vendor=v.value, seed=args.seed, items=args.items) for v in Vendor}
    runtimes = {v: EmulatorRuntime(config, v) for v, config in configs.items()}
    built = time.perf_counter() - started
    print(f"organisations built (3 vendors x {args.items:,} items): {built:.2f} s, RSS {rss_mb():.0f} MB")

    started = time.perf_counter()
    manifest = runtimes[Vendor.JIRA].manifest
    counts = manifest.counts()
    print(f"planted manifest: {sum(counts.values()):,} subjects in {time.perf_counter() - started:.2f} s")

    started = time.perf_counter()
    for vendor, runtime in runtimes.items():
        for team in runtime.org.teams(vendor):
            runtime.store.status_counts(team.index)
    print(f"status counts (stats) for all containers: {time.perf_counter() - started:.2f} s")

    rng = random.Random(args.seed)
    org = runtimes[Vendor.JIRA].org
    started = time.perf_counter()
    for _ in range(args.sample):
        vendor = rng.choice(list(Vendor))
        org.generate(vendor, rng.randrange(args.items))
    per_item = (time.perf_counter() - started) / args.sample
    print(
        f"generation: {1 / per_item:,.0f} items/s ({per_item * 1e6:.0f} us/item with history); "
        f"a full pass over {3 * args.items:,} items would take {3 * args.items * per_item:.0f} s"
    )

    runtime = runtimes[Vendor.JIRA]
    with running_server(build_bench_app(runtime)) as url, httpx.Client(base_url=url, timeout=30) as client:
        team = runtime.org.team(Vendor.JIRA, 0)
        client.get("/rest/items", params={"maxResults": 100})
        started = time.perf_counter()
        fetched = 0
        for page in range(args.pages):
            offset = (page * 100 * 37) % max(1, team.size - 100)
            body = client.get("/rest/items", params={"team": 0, "startAt": offset, "maxResults": 100}).json()
            fetched += len(body["values"])
        elapsed = time.perf_counter() - started
        print(
            f"paging over HTTP (keep-alive, 100 per page): {args.pages / elapsed:.1f} pages/s, "
            f"{fetched / elapsed:,.0f} items/s"
        )
        started = time.perf_counter()
        client.get("/_emulator/stats")
        print(f"/_emulator/stats: {time.perf_counter() - started:.3f} s")
    print(f"RSS at the end: {rss_mb():.0f} MB (baseline before building: {baseline:.0f} MB)")


if __name__ == "__main__":
    main()
