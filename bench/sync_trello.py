"""Trello connector figures against the Trello emulator (served by `baton emulate` in its own process).

    .venv/bin/python -m bench.sync_trello [--items 20000] [--sizes 20000,100000] [--no-record]

For each size: a full sync into a fresh SQLite store through the engine (rate, peak RSS of the syncing
process, requests against the minimum), with Baton's self-throttling to Trello's limits as in production;
then the bulk read path compared: the same full pull (no store) through httpx and through py-trello's
``fetch_json``, with the throttle lifted so the client cost shows. Every run is a separate process, so each
peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx

from bench.results import Figure, machine_summary, record
from connectors.config import ConnectorConfig
from connectors.trello.client import TrelloLimits
from connectors.trello.connector import ACTION_FILTER, PAGE_LIMIT, TrelloConnector
from models.enums import Vendor

CREDENTIALS = {"api_key": "emulator-key", "token": "emulator-token", "app_secret": "emulator-secret"}
UNTHROTTLED = TrelloLimits(token_per_window=10**9, key_per_window=10**9, members_per_window=10**9)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator(items: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "main", "emulate", "trello", "--port", str(port), "--seed", "1", "--items", str(items)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_emulator/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the Trello emulator did not start")


def minimum_requests(url: str) -> tuple[int, int]:
    """(fewest requests a full sync could make, cards): discovery, card/action/census pages at 1000 per page."""
    auth = {"key": CREDENTIALS["api_key"], "token": CREDENTIALS["token"]}
    with httpx.Client(base_url=url, params=auth, timeout=600) as client:
        boards = client.get("/1/members/me/boards", params={"fields": "id"}).json()
        total, cards = 2, 0
        for board in boards:
            ids: list[str] = []
            before: str | None = None
            while True:
                params: dict[str, Any] = {"fields": "id", "limit": PAGE_LIMIT} | ({"before": before} if before else {})
                page = client.get(f"/1/boards/{board['id']}/cards/all", params=params).json()
                ids += [c["id"] for c in page]
                if len(page) < PAGE_LIMIT:
                    break
                before = min(c["id"] for c in page)
            actions = client.get(
                f"/1/boards/{board['id']}/actions", params={"format": "count", "filter": ACTION_FILTER}
            ).json()["_value"]
            cards += len(ids)
            total += 1 + 2 * (len(ids) // PAGE_LIMIT + 1) + actions // PAGE_LIMIT + 1
    return total, cards


def config_for(url: str) -> ConnectorConfig:
    return ConnectorConfig(name="bench-trello", vendor=Vendor.TRELLO, base_url=url, credentials=CREDENTIALS)


def child_sync(url: str) -> dict[str, float]:
    """A full sync through the engine into a fresh SQLite store (production throttling)."""
    import migrations
    from models.db import Database
    from sync.engine import run_sync
    from sync.store import ensure_connection

    with TemporaryDirectory() as tmp:
        database = Database.from_url(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrations.upgrade_to_head(database.engine)
        connection_id = ensure_connection(database, name="bench-trello", vendor="trello", base_url=url)
        connector = TrelloConnector(config_for(url))
        started = time.perf_counter()
        report = run_sync(database, connection_id=connection_id, vendor=Vendor.TRELLO, connector=connector, full=True)
        seconds = time.perf_counter() - started
        assert report.status == "succeeded", report.errors
        database.dispose()
    return {
        "seconds": seconds,
        "items": report.items_seen,
        "requests": connector.requests_made,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
    }


def child_pull(url: str, bulk: str) -> dict[str, float]:
    """A full pull only (no store), bulk reads through ``bulk``, throttle lifted."""
    connector = TrelloConnector(config_for(url), bulk="sdk" if bulk == "sdk" else "httpx", limits=UNTHROTTLED)
    connector.discover()
    started = time.perf_counter()
    items = sum(len(batch.items) for batch in connector.pull({}, full=True))
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "items": items,
        "requests": connector.requests_made,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
    }


def run_child(*args: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.sync_trello", "--child", *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def measure(items: int) -> dict[str, Any]:
    process, url = start_emulator(items)
    try:
        minimum, cards = minimum_requests(url)
        result: dict[str, Any] = {"cards": cards, "minimum": minimum, "sync": run_child("sync", url)}
        # Alternate the two read paths and keep each one's best: the emulator's own warm-up favours no one.
        for _ in range(2):
            for path in ("httpx", "sdk"):
                run = run_child(path, url)
                if path not in result or run["seconds"] < result[path]["seconds"]:
                    result[path] = run
        return result
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=os.environ.get("BENCH_TRELLO_SIZES", "20000,100000"))
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "URL"))
    args = parser.parse_args()
    if args.child:
        mode, url = args.child
        result = child_sync(url) if mode == "sync" else child_pull(url, mode)
        print(json.dumps(result))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    command = f".venv/bin/python -m bench.sync_trello --sizes {args.sizes}"
    lines = [
        "## Trello connector (`connectors/trello`)\n",
        "Full sync of the Trello emulator (`baton emulate trello --seed 1`, its own process) through the engine into "
        "a fresh SQLite store, self-throttled to 90 requests / 10 s per token as in production; then the bulk "
        "read path alone (full pull, no store, throttle lifted): httpx vs py-trello `fetch_json`.\n",
        f"Command: `{command}`  \nMachine: {machine_summary()}\n",
        "| cards | full sync s | cards/s | peak RSS MB | requests | minimum | pull httpx: wall s / client CPU s "
        "| pull py-trello: wall s / client CPU s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    figures: list[Figure] = []
    for size in sizes:
        result = measure(size)
        sync, fast, sdk = result["sync"], result["httpx"], result["sdk"]
        assert sync["items"] == result["cards"] == fast["items"] == sdk["items"]
        rate = sync["items"] / sync["seconds"]
        lines.append(
            f"| {result['cards']:,} | {sync['seconds']:.1f} | {rate:,.0f} | {sync['rss_mb']:.0f} | "
            f"{sync['requests']:,.0f} | {result['minimum']:,} | {fast['seconds']:.1f} / {fast['cpu_s']:.1f} | "
            f"{sdk['seconds']:.1f} / {sdk['cpu_s']:.1f} |"
        )
        figures += [
            Figure(f"trello_full_sync_cards_per_s_{size}", round(rate), "cards/s", "", command),
            Figure(f"trello_full_sync_peak_rss_mb_{size}", round(sync["rss_mb"]), "MB", "", command),
            Figure(
                f"trello_full_sync_requests_over_minimum_{size}",
                round(sync["requests"] / result["minimum"], 3),
                "ratio",
                "<= 1.05",
                command,
            ),
            Figure(f"trello_pull_httpx_s_{size}", round(fast["seconds"], 2), "s", "", command),
            Figure(f"trello_pull_pytrello_s_{size}", round(sdk["seconds"], 2), "s", "", command),
            Figure(f"trello_pull_httpx_client_cpu_s_{size}", round(fast["cpu_s"], 2), "s", "", command),
            Figure(f"trello_pull_pytrello_client_cpu_s_{size}", round(sdk["cpu_s"], 2), "s", "", command),
        ]
        print(lines[-1], flush=True)
    if not args.no_record:
        record("30-trello", "\n".join(lines) + "\n", figures)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
