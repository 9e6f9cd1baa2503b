"""Assemble the Jira Cloud emulator app on the engine."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request

from emulators.app import create_emulator_app
from emulators.config import EmulatorConfig
from emulators.jira.api_agile import agile_router
from emulators.jira.api_issues import issues_router
from emulators.jira.api_meta import meta_router, server_info_router
from emulators.jira.api_search import search_router
from emulators.jira.api_webhooks import webhooks_router
from emulators.jira.auth import DEMO_EMAIL, DEMO_TOKEN, Credentials, authenticate
from emulators.jira.context import JiraContext
from emulators.jira.errors import install_error_handlers, jira_error
from emulators.jira.oauth import OAuthServer, oauth_router
from emulators.jira.ratelimit import jira_policy
from emulators.jira.search import SearchEngine
from emulators.jira.site import JiraSite
from emulators.jira.webhooks import JIRA_WEBHOOKS, fan_out
from emulators.org.model import Vendor
from emulators.runtime import EmulatorRuntime

__all__ = ["build_app", "build_context"]

API_VERSIONS = (2, 3)


def build_context(config: EmulatorConfig) -> JiraContext:
    """Runtime, site and search engine of one Jira emulator."""
    runtime = EmulatorRuntime(config, Vendor.JIRA, webhook_profile=JIRA_WEBHOOKS, subscription_ids=str)
    email = config.credentials.get("email", DEMO_EMAIL)
    site = JiraSite(runtime.org, api_email=email)
    return JiraContext(runtime, site, SearchEngine(runtime.store, site))


def build_app(config: EmulatorConfig) -> FastAPI:
    """The Jira Cloud emulator: platform REST v2 and v3, Agile 1.0 and admin webhooks over the engine."""
    ctx = build_context(config)
    credentials = Credentials(
        config.credentials.get("email", DEMO_EMAIL), config.credentials.get("api_token", DEMO_TOKEN)
    )
    app = create_emulator_app(
        ctx.runtime,
        title="Jira Cloud emulator",
        error_formatter=jira_error,
        rate_limit_policy=jira_policy(),
        path_anchors=("/rest/",),
    )
    app.state.jira = ctx
    install_error_handlers(app)
    ctx.runtime.bus.subscribe(lambda change: fan_out(ctx, change))

    def require_auth(request: Request) -> None:
        authenticate(credentials, request)

    authenticated = APIRouter(dependencies=[Depends(require_auth)])
    for version in API_VERSIONS:
        app.include_router(server_info_router(ctx, version))
        authenticated.include_router(meta_router(ctx, version))
        authenticated.include_router(search_router(ctx, version))
        authenticated.include_router(issues_router(ctx, version))
    authenticated.include_router(agile_router(ctx))
    authenticated.include_router(webhooks_router(ctx))
    app.include_router(authenticated)
    app.state.jira_oauth = OAuthServer()  # OAuth 2.0 token endpoint with rotating refresh tokens (P13)
    app.include_router(oauth_router(app.state.jira_oauth))
    return app
