"""The FastAPI app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from api.problems import install_problem_handlers
from api.routes import connections, health, sync_runs
from api.state import AppState
from api.webhooks import routes as webhook_routes
from api.webhooks.body_limit import BodyLimitMiddleware
from api.webhooks.registry import ReceiverRegistry
from core.crypto import SecretBox, load_or_create_key_file
from core.settings import Settings, get_settings
from core.timeutil import Clock, utc_now
from core.version import baton_version
from models.db import Database

__all__ = ["create_app"]


def build_secret_box(settings: Settings) -> SecretBox:
    """The box that encrypts secrets at rest: keys from the settings, or (development) a local key file."""
    if settings.secret_keys:
        return SecretBox.from_csv(settings.secret_keys)
    if settings.environment == "production":
        raise RuntimeError("BATON_SECRET_KEYS is required in production (Fernet keys, newest first)")
    return SecretBox([load_or_create_key_file(Path(".baton") / "secret.key")])


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    receivers: ReceiverRegistry | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Build the app; settings and the store are resolved when it starts, not when it is built."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resolved = settings or get_settings()
        store = database or Database.from_url(
            resolved.database_url,
            busy_timeout_ms=resolved.sqlite_busy_timeout_ms,
            pool_size=resolved.db_pool_size,
        )
        app.state.baton = AppState(
            settings=resolved,
            database=store,
            secret_box=build_secret_box(resolved),
            receivers=receivers or ReceiverRegistry(),
            clock=clock,
        )
        try:
            yield
        finally:
            if database is None:
                store.dispose()

    app = FastAPI(
        title="Baton",
        version=baton_version(),
        summary="Every backlog from Jira, Trello and Asana in one store, checked against your process.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware)
    app.include_router(health.router)
    app.include_router(sync_runs.router)
    app.include_router(connections.router)
    app.include_router(webhook_routes.router)
    return app
