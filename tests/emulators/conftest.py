"""Fixtures: a generated organisation, the example vendor served over real HTTP, a webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI, Request, Response

from emulators.config import EmulatorConfig
from emulators.org.generator import Organisation, OrgConfig
from emulators.server import running_server
from tests.emulators.example_vendor import build_app

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def org() -> Organisation:
    """A 1,000-items-per-vendor organisation at a fixed now."""
    return Organisation(OrgConfig(seed=1, items=1000, now=NOW))


def example_config(**overrides: object) -> EmulatorConfig:
    """Config for the example vendor: fixed now, tiny retry scale, short timeouts."""
    values: dict[str, object] = {
        "vendor": "example",
        "seed": 3,
        "items": 600,
        "now": NOW,
        "webhook_time_scale": 0.001,
        "timeout_fault_seconds": 5.0,
    }
    values.update(overrides)
    return EmulatorConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def example_url() -> Iterator[str]:
    """The example vendor on an ephemeral 127.0.0.1 port."""
    with running_server(build_app(example_config())) as url:
        yield url


@dataclass
class Receiver:
    """What a webhook receiver saw, and how it should answer next."""

    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        """Pop the next scripted status (200 once the script is exhausted)."""
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    """A FastAPI webhook receiver on 127.0.0.1 recording every request."""
    state = Receiver()
    app = FastAPI()

    @app.api_route("/hook", methods=["POST", "HEAD"])
    async def hook(request: Request) -> Response:
        body = await request.body()
        with state.lock:
            state.requests.append((request.method, dict(request.headers), body))
        secret = request.headers.get("x-hook-secret")
        headers = {"X-Hook-Secret": secret} if secret else {}
        return Response(status_code=state.answer(), headers=headers)

    with running_server(app) as url:
        yield f"{url}/hook", state
