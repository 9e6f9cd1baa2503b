"""The FastAPI app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.lifecycle import running_state
from api.problems import install_problem_handlers
from api.routes import connections, health, sync_runs
from api.webhooks import routes as webhook_routes
from api.webhooks.body_limit import BodyLimitMiddleware
from api.webhooks.registry import ReceiverRegistry
from core.settings import Settings, get_settings
from core.timeutil import Clock, utc_now
from core.version import baton_version
from models.db import Database

__all__ = ["create_app"]


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
        async with running_state(settings or get_settings(), database, receivers=receivers, clock=clock) as state:
            app.state.baton = state
            yield

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
