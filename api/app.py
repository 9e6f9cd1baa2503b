"""The FastAPI app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.problems import install_problem_handlers
from api.routes import connections, health, sync_runs
from api.state import AppState
from core.settings import Settings, get_settings
from core.version import baton_version
from models.db import Database

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app; settings and the store are resolved when it starts, not when it is built."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resolved = settings or get_settings()
        store = database or Database.from_url(
            resolved.database_url,
            busy_timeout_ms=resolved.sqlite_busy_timeout_ms,
            pool_size=resolved.db_pool_size,
        )
        app.state.baton = AppState(settings=resolved, database=store)
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
    app.include_router(health.router)
    app.include_router(sync_runs.router)
    app.include_router(connections.router)
    return app
