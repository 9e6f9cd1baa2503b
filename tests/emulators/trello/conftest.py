"""Fixtures: the Trello emulator over real HTTP on 127.0.0.1, a keyed client, and its context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from emulators.config import EmulatorConfig
from emulators.server import running_server
from emulators.trello.app import build_trello
from emulators.trello.context import TrelloContext
from emulators.trello.ratelimit import TrelloLimits

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
KEY, TOKEN, SECRET = "emulator-key", "emulator-token", "emulator-secret"
AUTH = {"key": KEY, "token": TOKEN}
ITEMS = 600


def trello_config(**overrides: object) -> EmulatorConfig:
    """A small, fixed organisation with a tiny webhook retry scale."""
    values: dict[str, object] = {
        "vendor": "trello",
        "seed": 1,
        "items": ITEMS,
        "now": NOW,
        "webhook_time_scale": 0.001,
    }
    values.update(overrides)
    return EmulatorConfig(**values)  # type: ignore[arg-type]


@dataclass
class Trello:
    """A running emulator: base URL (without /1), an authenticated client on /1, and the app's context."""

    url: str
    client: httpx.Client
    ctx: TrelloContext

    @property
    def api(self) -> str:
        """The REST base, `http://127.0.0.1:PORT/1`."""
        return f"{self.url}/1"

    def board_ids(self) -> list[str]:
        """Every board id, as the token owner sees them."""
        return [b["id"] for b in self.client.get("/members/me/boards").json()]


StartTrello = Callable[..., Trello]


@pytest.fixture
def trello_factory() -> Iterator[StartTrello]:
    """Start emulators with config overrides and optional rate limits; all stop at the end of the test."""
    with ExitStack() as stack:

        def start(limits: TrelloLimits | None = None, **overrides: object) -> Trello:
            app, ctx = build_trello(trello_config(**overrides), limits)
            url = stack.enter_context(running_server(app))
            client = stack.enter_context(httpx.Client(base_url=f"{url}/1", params=AUTH, timeout=30))
            return Trello(url, client, ctx)

        yield start


@pytest.fixture
def trello(trello_factory: StartTrello) -> Trello:
    """The emulator at the default test size."""
    return trello_factory()
