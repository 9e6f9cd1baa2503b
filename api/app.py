"""The FastAPI app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.cors import AllowlistCORSMiddleware
from api.dashboard import install_dashboard
from api.lifecycle import running_state
from api.log_redaction import install_log_redaction
from api.metrics import MetricsMiddleware, RequestMetrics
from api.problems import install_problem_handlers
from api.ratelimit import RateLimitMiddleware
from api.routes import (
    connections,
    docs,
    due,
    epics,
    findings,
    flow,
    health,
    hygiene,
    items,
    metrics,
    people,
    reports,
    rules,
    sprints,
    sync_runs,
    teams,
)
from api.routes.connections import ConnectionTriggers
from api.views.rules import RuleCatalogue, catalogue_from_policy
from api.webhooks import routes as webhook_routes
from api.webhooks.body_limit import BodyLimitMiddleware
from api.webhooks.fast_path import WebhookFastPath
from api.webhooks.registry import ReceiverRegistry
from core.settings import Settings, get_settings
from core.timeutil import Clock, utc_now
from core.version import baton_version
from models.db import Database

__all__ = ["create_app"]

DESCRIPTION = """\
Consolidated planning views over every Jira, Trello and Asana backlog Baton syncs.

Every `/api/v1` route needs an API key (`Authorization: Bearer <key>`, from `baton apikey create`); admin routes
need an admin key. Lists page with an opaque `cursor` and export as CSV (`format=csv` or `Accept: text/csv`).
Errors are `application/problem+json` (RFC 9457). Each key may send a limited number of requests per second;
past it the answer is 429 with `Retry-After`.
"""


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    receivers: ReceiverRegistry | None = None,
    clock: Clock = utc_now,
    rule_catalogue: RuleCatalogue = catalogue_from_policy,
    connection_triggers: ConnectionTriggers | None = None,
) -> FastAPI:
    """Build the app; settings and the store are resolved when it starts, not when it is built."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_log_redaction()
        async with running_state(settings or get_settings(), database, receivers=receivers, clock=clock) as state:
            app.state.baton = state
            yield

    app = FastAPI(
        title="Baton",
        version=baton_version(),
        summary="Every backlog from Jira, Trello and Asana in one store, checked against your process.",
        description=DESCRIPTION,
        lifespan=lifespan,
        debug=False,
        # Served by api/routes/docs.py, which checks the settings resolved at start-up (off in production).
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.request_metrics = request_metrics = RequestMetrics()
    app.state.rule_catalogue = rule_catalogue
    app.state.connection_triggers = connection_triggers or ConnectionTriggers()
    install_problem_handlers(app)
    # Outermost last: metrics see every answer, CORS headers reach 429s, the body limit runs before any handler,
    # and vendors' webhook POSTs are answered right inside it, without the API routes' router work.
    app.add_middleware(WebhookFastPath)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(AllowlistCORSMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=request_metrics)
    # The webhook receivers first: vendors' deliveries are the hottest path, and routes match in order.
    app.include_router(webhook_routes.router)
    for module in (
        health,
        metrics,
        docs,
        items,
        teams,
        people,
        due,
        sprints,
        epics,
        findings,
        rules,
        hygiene,
        flow,
        sync_runs,
        connections,
        reports,
    ):
        app.include_router(module.router)
    install_dashboard(app)
    return app
