"""Trello emulator figures: generation, and card paging over HTTP (`/cards/all?limit=1000`, `before=` paging).

Run: .venv/bin/python -m bench.emulator_trello --items 100000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime

import httpx

from bench.emulator_scale import rss_mb
from emulators.config import EmulatorConfig
from emulators.org.model import Vendor
from emulators.server import running_server
from emulators.trello.app import build_trello

AUTH = {"key": "emulator-key", "token": "emulator-token"}
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def page_board(client: httpx.Client, board: str, limit: int) -> tuple[int, int]:
    """Every card of a board by `before=<smallest id>` paging, as tap-trello does; (cards, requests)."""
    before = NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    cards = requests = 0
    while True:
        page = client.get(f"/boards/{board}/cards/all", params={"limit": limit, "before": before}).json()
        requests += 1
        cards += len(page)
        if len(page) < limit:
            return cards, requests
        before = min(card["id"] for card in page)


def page_actions(client: httpx.Client, board: str) -> tuple[int, int]:
    """Every action of a board, newest first, by `before=<last action id>`; (actions, requests)."""
    params: dict[str, object] = {"limit": 1000}
    actions = requests = 0
    while True:
        page = client.get(f"/boards/{board}/actions", params=params).json()
        requests += 1
        actions += len(page)
        if len(page) < 1000:
            return actions, requests
        params["before"] = page[-1]["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=10_000, help="cards generated to time generation")
    parser.add_argument("--limit", type=int, default=1000, help="cards per page")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []

    started = time.perf_counter()
    config = EmulatorConfig(vendor="trello", seed=args.seed, items=args.items, now=NOW)
    app, ctx = build_trello(config)
    rows.append(("organisation + Trello catalog built", f"{time.perf_counter() - started:.2f} s"))

    rng = random.Random(args.seed)
    started = time.perf_counter()
    for _ in range(args.sample):
        ctx.runtime.org.generate(Vendor.TRELLO, rng.randrange(args.items))
    per_card = (time.perf_counter() - started) / args.sample
    rows.append(("card generation with full history", f"{1 / per_card:,.0f} cards/s ({per_card * 1e6:.0f} us/card)"))

    with running_server(app) as url, httpx.Client(base_url=f"{url}/1", params=AUTH, timeout=120) as client:
        boards = [b["id"] for b in client.get("/members/me/boards").json()]
        started = time.perf_counter()
        for board in boards:
            client.get(f"/boards/{board}/cards/all", params={"limit": 1})
        rows.append(
            (f"card id order of {len(boards)} boards (first request each)", f"{time.perf_counter() - started:.2f} s")
        )

        started = time.perf_counter()
        total = requests = 0
        for board in boards:
            cards, calls = page_board(client, board, args.limit)
            total += cards
            requests += calls
        elapsed = time.perf_counter() - started
        if total != args.items:
            sys.exit(f"paging returned {total} cards, expected {args.items}")
        rows.append(
            (
                f"paging every card, limit={args.limit}, before=<smallest id>",
                f"{total:,} cards in {requests} requests, {elapsed:.1f} s = {total / elapsed:,.0f} cards/s",
            )
        )

        board = boards[0]
        started = time.perf_counter()
        client.get(f"/boards/{board}/actions", params={"limit": 1})
        rows.append(("board action timeline (first request, one board)", f"{time.perf_counter() - started:.2f} s"))
        started = time.perf_counter()
        actions, calls = page_actions(client, board)
        elapsed = time.perf_counter() - started
        rows.append(
            (
                "paging every action of that board, limit=1000, before=<action id>",
                f"{actions:,} actions in {calls} requests, {elapsed:.1f} s = {actions / elapsed:,.0f} actions/s",
            )
        )
    rows.append(("RSS at the end", f"{rss_mb():.0f} MB"))

    print(f"Command: .venv/bin/python -m bench.emulator_trello --items {args.items} --limit {args.limit}")
    print(f"| measure ({args.items:,} cards, {len(boards)} boards) | result |")
    print("|---|---|")
    for measure, result in rows:
        print(f"| {measure} | {result} |")


if __name__ == "__main__":
    main()
