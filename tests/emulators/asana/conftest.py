"""Fixtures: the Asana emulator over real HTTP, an authenticated client, and a webhook receiver that does
the X-Hook-Secret handshake and verifies every delivery's signature as a real receiver would."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from emulators.asana import build_app
from emulators.config import EmulatorConfig
from emulators.server import running_server

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
TOKEN = "emulator-token"
ITEMS = 300


def asana_config(**overrides: Any) -> EmulatorConfig:
    """A small, fixed organisation; webhook delays compressed hard."""
    values: dict[str, Any] = {
        "vendor": "asana",
        "seed": 1,
        "items": ITEMS,
        "now": NOW,
        "webhook_time_scale": 1e-5,
        "timeout_fault_seconds": 5.0,
        "credentials": {"access_token": TOKEN},
    }
    values.update(overrides)
    return EmulatorConfig(**values)


@pytest.fixture
def asana_url() -> Iterator[str]:
    """The emulator's base URL (the API is under /api/1.0)."""
    with running_server(build_app(asana_config())) as url:
        yield url


@pytest.fixture
def api(asana_url: str) -> Iterator[httpx.Client]:
    """An httpx client on /api/1.0 with the personal access token."""
    with httpx.Client(base_url=f"{asana_url}/api/1.0", headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


@dataclass
class HookReceiver:
    """What the receiver saw: the handshake secret and each delivery with its verification result."""

    secret: str | None = None
    handshakes: int = 0
    deliveries: list[tuple[dict[str, Any], bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse_handshake: bool = False

    def events(self) -> list[dict[str, Any]]:
        """Every event of every verified delivery."""
        with self.lock:
            return [event for body, ok in self.deliveries if ok for event in body["events"]]

    def heartbeats(self) -> int:
        """Verified deliveries with no events."""
        with self.lock:
            return sum(1 for body, ok in self.deliveries if ok and not body["events"])


def receiver_app(state: HookReceiver) -> FastAPI:
    """Echo X-Hook-Secret once and keep it; verify X-Hook-Signature (hex HMAC-SHA256 of the raw body)."""
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        raw = await request.body()
        secret = request.headers.get("x-hook-secret")
        if secret is not None:
            with state.lock:
                state.handshakes += 1
                if state.refuse_handshake:
                    return Response(status_code=200)
                state.secret = secret
            return Response(status_code=204, headers={"X-Hook-Secret": secret})
        with state.lock:
            key = state.secret
        expected = hmac.new((key or "").encode(), raw, hashlib.sha256).hexdigest()
        ok = key is not None and hmac.compare_digest(expected, request.headers.get("x-hook-signature", ""))
        with state.lock:
            state.deliveries.append((json.loads(raw), ok))
        return Response(status_code=200 if ok else 401)

    return app


@pytest.fixture
def hook_receiver() -> Iterator[tuple[str, HookReceiver]]:
    """(target URL, state) of a receiver served on 127.0.0.1."""
    state = HookReceiver()
    with running_server(receiver_app(state)) as url:
        yield f"{url}/hook", state
