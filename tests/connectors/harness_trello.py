"""The Trello emulator for the conformance suite: served on 127.0.0.1, changed through Trello's REST write API."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from connectors.config import ConnectorConfig
from connectors.http import TimeSource
from connectors.trello.connector import ACTION_FILTER
from emulators.config import EmulatorConfig
from emulators.org.model import GeneratedItem, StatusKind
from emulators.org.model import Vendor as EmulatorVendor
from emulators.server import running_server
from emulators.trello.action_index import ActionQuery
from emulators.trello.actions import parse_action_filter
from emulators.trello.app import DEFAULT_CREDENTIALS, build_trello
from emulators.trello.card_index import CardFilter, CardQuery
from emulators.trello.context import TrelloContext
from emulators.trello.ratelimit import TrelloLimits as EmulatorLimits
from models.enums import StatusCategory, Vendor
from tests.connectors.conformance import ExpectedItem

__all__ = ["HARNESS", "RunningTrello", "TrelloHarness", "expected_category"]

CREDENTIALS = {
    "api_key": DEFAULT_CREDENTIALS["api_key"],
    "token": DEFAULT_CREDENTIALS["token"],
    "app_secret": DEFAULT_CREDENTIALS["app_secret"],
}
PAGE = 1000
_CLOSED = (StatusCategory.DONE, StatusCategory.CANCELLED)


def expected_category(ctx: TrelloContext, generated: GeneratedItem) -> StatusCategory:
    """What Baton must make of a card: the list's category (invented lists: unknown); archived open = cancelled."""
    item = generated.item
    status = ctx.runtime.org.team(EmulatorVendor.TRELLO, item.team).workflow.by_name(item.status)
    if status is None or status.kind is StatusKind.INVENTED:
        category = StatusCategory.UNKNOWN
    else:
        category = StatusCategory(status.category.value)
    if ctx.cards.closed(item) and category not in _CLOSED:
        return StatusCategory.CANCELLED
    return category


@dataclass
class RunningTrello:
    """A served Trello emulator and a connector config pointing at it."""

    config: ConnectorConfig
    ctx: TrelloContext
    base_url: str
    writes: list[str] = field(default_factory=list)

    def live_cards(self) -> Iterator[GeneratedItem]:
        """Every card `/boards/{id}/cards/all` returns (archived included), board by board."""
        for team in range(len(self.ctx.catalog.teams)):
            yield from self.ctx.board_cards.select(team, CardQuery(filter=CardFilter.ALL))

    def expected_items(self) -> dict[str, ExpectedItem]:
        catalog = self.ctx.catalog
        expected = {}
        for generated in self.live_cards():
            item = generated.item
            expected[item.external_id] = ExpectedItem(
                external_id=item.external_id,
                status_category=expected_category(self.ctx, generated),
                assignee_external_id=None if item.assignee is None else catalog.member_id(item.assignee),
                estimate=item.estimate,
                parent_external_id=None,
                sprint_external_id=None,
                due=item.due,
                labels=frozenset(label.name for label in self.ctx.cards.labels(item)),
                container_external_id=catalog.board_id(item.team),
            )
        return expected

    def board_action_count(self, team: int) -> int:
        """Actions of a board the connector's action filter selects."""
        query = ActionQuery(kinds=parse_action_filter(ACTION_FILTER), limit=PAGE)
        return sum(1 for _ in self.ctx.board_actions.newest(team, query))

    def minimum_full_sync_requests(self) -> int:
        """members/me, members/me/boards, one board read each; then per board card and action pages (the
        census reuses the card pages' ids)."""
        total = 2
        for team in range(len(self.ctx.catalog.teams)):
            cards = sum(1 for _ in self.ctx.board_cards.select(team, CardQuery(filter=CardFilter.ALL)))
            actions = self.board_action_count(team)
            total += 1 + (cards // PAGE + 1) + (actions // PAGE + 1)
        return total

    # ----- writes through Trello's REST API ---------------------------------------------------------

    def _send(self, client: httpx.Client, method: str, path: str, params: dict[str, Any]) -> None:
        response = client.request(method, f"/1/{path}", params={**params, **self.auth()})
        response.raise_for_status()
        self.writes.append(f"{method} {path}")

    def auth(self) -> dict[str, str]:
        return {"key": CREDENTIALS["api_key"], "token": CREDENTIALS["token"]}

    def mutate(self, count: int, seed: int) -> None:
        """Random list moves, archives and restores, member changes, due dates, points and deletions."""
        rng = random.Random(seed)
        catalog = self.ctx.catalog
        cards = sorted(self.live_cards(), key=lambda g: g.item.external_id)
        chosen = rng.sample(cards, min(count, len(cards)))
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            for generated in chosen:
                item = generated.item
                card = item.external_id
                kind = rng.choice(["move", "move", "archive", "restore", "members", "due", "points", "delete"])
                if kind == "move":
                    lists = [lst for lst in catalog.lists[item.team] if lst.name != item.status]
                    self._send(client, "PUT", f"cards/{card}", {"idList": rng.choice(lists).id})
                elif kind in ("archive", "restore"):
                    self._send(client, "PUT", f"cards/{card}", {"closed": "true" if kind == "archive" else "false"})
                elif kind == "members":
                    people = catalog.board_members(item.team)
                    members = [] if rng.random() < 0.3 else [catalog.member_id(rng.choice(people))]
                    self._send(client, "PUT", f"cards/{card}", {"idMembers": ",".join(members)})
                elif kind == "due":
                    due = None if rng.random() < 0.3 else date(2026, 1, 1) + timedelta(days=rng.randrange(400))
                    self._send(client, "PUT", f"cards/{card}", {"due": due.isoformat() if due else "null"})
                elif kind == "points":
                    field_id = catalog.points_field_id(item.team)
                    body = {"value": {"number": str(rng.choice([1, 2, 3, 5, 8, 13]))}}
                    response = client.put(f"/1/cards/{card}/customField/{field_id}/item", params=self.auth(), json=body)
                    response.raise_for_status()
                    self.writes.append(f"PUT points {card}")
                else:
                    self._send(client, "DELETE", f"cards/{card}", {})

    # ----- emulator control -------------------------------------------------------------------------

    def set_faults(self, spec: str, seed: int = 1) -> None:
        """Inject faults into every API answer (`429=0.05,truncate=0.02,...`)."""
        httpx.put(f"{self.base_url}/_emulator/faults", json={"spec": spec, "seed": seed}, timeout=10).raise_for_status()

    def set_rate_limit(self, enabled: bool) -> None:
        """Switch Trello's rate limits on or off."""
        httpx.put(f"{self.base_url}/_emulator/rate-limit", json={"enabled": enabled}, timeout=10).raise_for_status()


class EmulatorDrivenTime:
    """A TimeSource on the emulator's frozen clock: waiting advances emulated time instantly (no real sleep)."""

    def __init__(self, ctx: TrelloContext) -> None:
        self.clock = ctx.runtime.clock
        self.clock.freeze()
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.clock.timestamp()

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.clock.advance(seconds)


@dataclass
class TrelloHarness:
    """Starts the Trello emulator in-process for the conformance suite and the Trello tests."""

    vendor: Vendor = Vendor.TRELLO

    @contextmanager
    def running(
        self,
        *,
        seed: int,
        items: int,
        rate_limit: bool = False,
        emulator_limits: EmulatorLimits | None = None,
        max_concurrency: int = 4,
        time_source: TimeSource | None = None,
        faults: str = "",
        timeout_seconds: float = 30.0,
    ) -> Iterator[RunningTrello]:
        config = EmulatorConfig(
            vendor="trello",
            seed=seed,
            items=items,
            rate_limit=rate_limit,
            faults=faults,
            fault_seed=seed,
            timeout_fault_seconds=2.0,
            credentials=dict(CREDENTIALS),
        )
        app, ctx = build_trello(config, emulator_limits)
        with running_server(app) as base_url:
            connector_config = ConnectorConfig(
                name="trello-emulator",
                vendor=Vendor.TRELLO,
                base_url=base_url,
                credentials=dict(CREDENTIALS),
                max_concurrency=max_concurrency,
                timeout_seconds=timeout_seconds,
                time_source=time_source or EmulatorDrivenTime(ctx),
            )
            yield RunningTrello(config=connector_config, ctx=ctx, base_url=base_url)


HARNESS = TrelloHarness()
