"""Entry points for a receiver subprocess: the real app, and the ack-before-commit control build.

``uvicorn --factory tests.webhooks_reliability.receiver_app:build_app`` serves Baton's real app (the same
``create_app``, routes and inbox code as ``baton serve``) with one Jira receiver taken from the environment:
``RELIABILITY_CONNECTION_ID`` and ``RELIABILITY_JIRA_SECRET``; the store comes from ``BATON_DATABASE_URL``.
No scheduler and no inbox worker run in it: the test processes the inbox itself, so a ``kill -9`` of the
receiver only ever interrupts receiving.

``build_ack_before_commit_app`` is the control build of W8: identical, except that the inbox insert is
handed to a write-behind buffer flushed every ``FLUSH_SECONDS`` and the 2xx goes out at once. It is the bug
W8 exists to catch (answering before COMMIT); its test proves the W8 check fails on it.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from typing import Any

from fastapi import FastAPI

import api.webhooks.routes as webhook_routes
from api.app import create_app
from api.webhooks.inbox import store_deliveries
from api.webhooks.registry import ReceiverRegistry, ReceiverTarget
from core.settings import Settings
from models.db import Database
from models.enums import Vendor

__all__ = ["FLUSH_SECONDS", "build_ack_before_commit_app", "build_app"]

FLUSH_SECONDS = 0.5


def _registry() -> ReceiverRegistry:
    target = ReceiverTarget(
        connection_id=int(os.environ["RELIABILITY_CONNECTION_ID"]),
        name="jira",
        vendor=Vendor.JIRA,
        secret=os.environ["RELIABILITY_JIRA_SECRET"],
    )
    return ReceiverRegistry([target])


def build_app() -> FastAPI:
    """The real receiver (settings from ``BATON_*``; scheduler and inbox worker off)."""
    settings = Settings(scheduler=False, inbox_worker=False, rate_limit_per_second=0)
    return create_app(settings, receivers=_registry())


class _WriteBehind:
    """The anti-pattern under control: acknowledge now, insert later (lost if the process dies first)."""

    def __init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._flush_forever, name="write-behind", daemon=True).start()

    def store(self, database: Database, **delivery: Any) -> int:
        with self._lock:
            self._pending.append({"database": database, **delivery})
        return sum(1 for d in delivery["deliveries"] if not d.ignored)

    def _flush_forever(self) -> None:
        while True:
            threading.Event().wait(FLUSH_SECONDS)
            with self._lock:
                batch, self._pending = self._pending, []
            for pending in batch:
                store_deliveries(**pending)


def build_ack_before_commit_app() -> FastAPI:
    """The control build: 2xx before the inbox insert is committed (never ship this)."""
    buffer = _WriteBehind()

    async def acknowledge_first(
        database: Database, *, source: str, connection_id: int, deliveries: Any, body: bytes, now: datetime
    ) -> int:
        return buffer.store(
            database, source=source, connection_id=connection_id, deliveries=deliveries, body=body, now=now
        )

    webhook_routes.store_inbox = acknowledge_first
    return build_app()
