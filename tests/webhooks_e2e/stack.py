"""A whole webhook stack over real HTTP on 127.0.0.1: the three vendor emulators and Baton under uvicorn.

Baton's socket is bound before its app is built, so ``BATON_PUBLIC_URL`` names the real port and the emulators
reach the receivers (Trello's HEAD check, Asana's handshake, every signed delivery) as vendors would. Everything
runs in one background event loop, whose handle lets a test stop the emulators' activity simulators.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import socket
import threading
from collections.abc import Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
import yaml
from sqlalchemy import func, select
from starlette.types import ASGIApp

import migrations
from api.app import create_app
from connectors.factory import build_connector
from core.policy import load_policy
from core.settings import Settings
from emulators.config import DEFAULT_JIRA_SITE, EmulatorConfig
from emulators.registry import get_vendor
from emulators.runtime import EmulatorRuntime
from emulators.server import make_server
from models.db import Database
from models.enums import Vendor
from models.tables import ITEMS, LABELS, TRANSITIONS, WEBHOOK_EVENTS
from sync.connections import sync_connections_from_policy
from sync.engine import SyncReport, run_sync
from sync.policy_bridge import connector_config_for
from tests.digest import ITEM_COLUMNS

__all__ = [
    "EMULATOR_NOW",
    "FERNET_KEY",
    "JIRA_SECRET",
    "ServingLoop",
    "Stack",
    "live_digest",
    "quiet",
    "running_stack",
    "source_digest",
    "sync_all",
]

T = TypeVar("T")

EMULATOR_NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
FERNET_KEY = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="
JIRA_SECRET = "jira-webhook-secret-e2e"
VENDORS = ("jira", "trello", "asana")


class ServingLoop:
    """One event loop in a daemon thread serving ASGI apps with uvicorn on sockets bound beforehand."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="e2e-loop", daemon=True)
        self._thread.start()
        self._servers: list[tuple[uvicorn.Server, Any]] = []

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine in the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def serve(self, app: ASGIApp, sock: socket.socket) -> None:
        """Serve ``app`` on the listening ``sock``; returns once the server has started."""
        server = make_server(app)
        future = asyncio.run_coroutine_threadsafe(server.serve(sockets=[sock]), self.loop)
        self._servers.append((server, future))
        deadline = threading.Event()
        for _ in range(600):
            if server.started:
                return
            if future.done():
                future.result()  # raises what stopped it
            deadline.wait(0.05)
        raise RuntimeError("server did not start within 30 s")

    def close(self) -> None:
        """Stop every server (lifespans run their shutdown) and the loop."""
        for server, _ in reversed(self._servers):
            server.should_exit = True
        for _, future in reversed(self._servers):
            # A server that failed to stop cleanly must not hide the test's own outcome.
            with contextlib.suppress(Exception):
                future.result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


def bound_socket() -> socket.socket:
    """A listening TCP socket on an ephemeral 127.0.0.1 port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    """The http URL of a bound socket."""
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@dataclass
class Stack:
    """The running stack: Baton's URL and store, each emulator's URL and runtime, the policy it all follows."""

    serving: ServingLoop
    database: Database
    baton_url: str
    policy_path: Path
    emulator_urls: dict[str, str]
    runtimes: dict[str, EmulatorRuntime]
    environ: dict[str, str] = field(default_factory=dict)

    def connection(self, vendor: str) -> str:
        """The policy connection name of a vendor."""
        return f"{vendor}-e2e"

    def connection_id(self, vendor: str) -> int:
        """The store id of a vendor's connection."""
        policy = load_policy(self.policy_path).policy
        return sync_connections_from_policy(self.database, policy)[self.connection(vendor)]

    def start_activity(self, vendor: str, per_minute: float) -> None:
        """Start an emulator's activity simulator (what `baton emulate --activity N` runs from the start)."""
        simulator = self.runtimes[vendor].simulator
        simulator.per_minute = per_minute
        self.serving.loop.call_soon_threadsafe(simulator.start)

    def stop_activity(self, vendor: str) -> int:
        """Stop an emulator's activity simulator; returns the changes it applied."""
        simulator = self.runtimes[vendor].simulator
        self.serving.run(simulator.stop())
        return simulator.applied

    def cli_env(self) -> dict[str, str]:
        """The environment for `baton` commands against this stack."""
        return {**self.environ, "BATON_PUBLIC_URL": self.baton_url}


def _policy(urls: Mapping[str, str], vendors: tuple[str, ...]) -> dict[str, object]:
    connections: list[dict[str, object]] = []
    for vendor in vendors:
        plugin = get_vendor(vendor)
        connection: dict[str, object] = {
            "name": f"{vendor}-e2e",
            "vendor": vendor,
            "base_url": f"{urls[vendor]}{plugin.base_path}",
        }
        if vendor == "jira":
            connection["credentials"] = {
                "email": plugin.credentials["email"],
                "api_token": plugin.credentials["api_token"],
            }
            connection["webhook_secret"] = JIRA_SECRET
        elif vendor == "trello":
            connection["credentials"] = dict(plugin.credentials)
        else:
            connection["credentials"] = {"token": plugin.credentials["access_token"]}
        connections.append(connection)
    return {"connections": connections}


@contextmanager
def running_stack(
    database_url: str,
    workdir: Path,
    *,
    vendors: tuple[str, ...] = VENDORS,
    items: int = 300,
    activity_per_minute: float = 0.0,
    webhook_drop_rate: float = 0.0,
    seed: int = 5,
) -> Iterator[Stack]:
    """Emulators and Baton (inbox worker on, scheduler off: nothing syncs unless the test says so)."""
    from emulators.registry import discover_vendors

    discover_vendors()
    serving = ServingLoop()
    database = Database.from_url(database_url)
    try:
        migrations.upgrade_to_head(database.engine)
        runtimes: dict[str, EmulatorRuntime] = {}
        urls: dict[str, str] = {}
        for vendor in vendors:
            sock = bound_socket()
            urls[vendor] = url_of(sock)
            config = EmulatorConfig(
                vendor=vendor,
                seed=seed,
                items=items,
                now=EMULATOR_NOW,
                activity_per_minute=activity_per_minute,
                webhook_time_scale=0.001,
                webhook_drop_rate=webhook_drop_rate,
                jira_site=urls.get("jira", DEFAULT_JIRA_SITE),
            )
            app = get_vendor(vendor).build_app(config)
            runtimes[vendor] = _runtime_of(app)
            serving.serve(app, sock)
        policy_path = workdir / "policy.yaml"
        policy_path.write_text(yaml.safe_dump(_policy(urls, vendors), sort_keys=False))
        baton_sock = bound_socket()
        baton_url = url_of(baton_sock)
        settings = Settings(
            database_url=database_url,
            policy=policy_path,
            public_url=baton_url,
            secret_keys=FERNET_KEY,
            scheduler=False,
            inbox_worker=True,
            policy_refresh_seconds=3600,
            rate_limit_per_second=0,
        )
        serving.serve(create_app(settings, database=database), baton_sock)
        yield Stack(serving, database, baton_url, policy_path, urls, runtimes, {"BATON_SECRET_KEYS": FERNET_KEY})
    finally:
        serving.close()
        database.dispose()


def _runtime_of(app: Any) -> EmulatorRuntime:
    state = app.state
    for name in ("runtime", "jira", "asana"):
        found = getattr(state, name, None)
        if isinstance(found, EmulatorRuntime):
            return found
        runtime = getattr(found, "runtime", None)
        if isinstance(runtime, EmulatorRuntime):
            return runtime
    raise LookupError("the emulator app exposes no runtime")


def sync_all(
    database: Database, policy_path: Path, *, full: bool, vendors: tuple[str, ...] = VENDORS
) -> dict[str, SyncReport]:
    """Sync each vendor's connection into ``database`` (what `baton sync` does), one report per vendor."""
    policy = load_policy(policy_path).policy
    ids = sync_connections_from_policy(database, policy)
    reports: dict[str, SyncReport] = {}
    for vendor in vendors:
        name = f"{vendor}-e2e"
        config, bridge = connector_config_for(policy, name, os.environ)
        connector = build_connector(config)
        reports[vendor] = run_sync(
            database,
            connection_id=ids[name],
            vendor=Vendor(vendor),
            connector=connector,
            full=full,
            on_discovered=partial(bridge.assign_teams, database, ids[name]),
        )
    return reports


def source_digest(database_url: str, policy_path: Path, vendors: tuple[str, ...] = VENDORS) -> str:
    """The digest a fresh full sync of the emulators' current state gives (the oracle of convergence)."""
    fresh = Database.from_url(database_url)
    try:
        migrations.upgrade_to_head(fresh.engine)
        sync_all(fresh, policy_path, full=True, vendors=vendors)
        return live_digest(fresh)
    finally:
        fresh.dispose()


def live_digest(database: Database) -> str:
    """``tests.digest.store_digest`` over live items only: their vendor columns, labels and history.

    A tombstoned item (deleted at the vendor) is absent from a fresh sync of the source, so neither it nor its
    labels and history may count.
    """
    digest = hashlib.sha256()
    live = ITEMS.c.deleted_at.is_(None)
    with database.read_session() as session:
        for row in session.execute(select(*ITEM_COLUMNS).where(live).order_by(ITEMS.c.source, ITEMS.c.external_id)):
            digest.update(json.dumps([_plain(v) for v in row], sort_keys=True, default=str).encode())
        labels = select(ITEMS.c.source, ITEMS.c.external_id, LABELS.c.label).join(
            ITEMS, ITEMS.c.id == LABELS.c.work_item_id
        )
        for row in session.execute(labels.where(live).order_by(ITEMS.c.source, ITEMS.c.external_id, LABELS.c.label)):
            digest.update(f"L{row[0]}:{row[1]}:{row[2]}".encode())
        history = select(
            ITEMS.c.source,
            ITEMS.c.external_id,
            TRANSITIONS.c.event_id,
            TRANSITIONS.c.field,
            TRANSITIONS.c.to_value,
            TRANSITIONS.c.changed_at,
        ).join(ITEMS, ITEMS.c.id == TRANSITIONS.c.work_item_id)
        ordered = history.where(live).order_by(
            ITEMS.c.source, ITEMS.c.external_id, TRANSITIONS.c.event_id, TRANSITIONS.c.field
        )
        for row in session.execute(ordered):
            digest.update(json.dumps([_plain(v) for v in row], default=str).encode())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def quiet(stack: Stack) -> bool:
    """No delivery in flight at any emulator, and nothing left to process in Baton's inbox."""
    if any(r.webhooks is not None and r.webhooks.in_flight for r in stack.runtimes.values()):
        return False
    with stack.database.read_session() as session:
        waiting = session.execute(
            select(func.count())
            .select_from(WEBHOOK_EVENTS)
            .where(WEBHOOK_EVENTS.c.status.in_(["pending", "processing"]))
        ).scalar_one()
    return int(waiting) == 0
