"""Build the Trello REST v1 emulator app on the engine."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from emulators.app import create_emulator_app
from emulators.config import EmulatorConfig
from emulators.org.model import Vendor
from emulators.runtime import EmulatorRuntime
from emulators.trello.auth import authenticator
from emulators.trello.context import TrelloContext
from emulators.trello.errors import install_error_handlers, trello_error
from emulators.trello.paths import TrailingSlashMiddleware
from emulators.trello.ratelimit import TrelloLimits, TrelloRatePolicy
from emulators.trello.routes_batch import batch_router
from emulators.trello.routes_boards import board_router
from emulators.trello.routes_cards import card_router, list_router
from emulators.trello.routes_members import member_router, organization_router
from emulators.trello.routes_webhooks import webhook_router
from emulators.trello.webhooks import WebhookFanOut, trello_profile

__all__ = ["DEFAULT_CREDENTIALS", "build_app", "build_trello"]

DEFAULT_CREDENTIALS = {"api_key": "emulator-key", "token": "emulator-token", "app_secret": "emulator-secret"}


def build_trello(config: EmulatorConfig, limits: TrelloLimits | None = None) -> tuple[FastAPI, TrelloContext]:
    """The app and its Trello context (tests reach the context; the CLI only needs the app)."""
    credentials = {**DEFAULT_CREDENTIALS, **config.credentials}
    runtime = EmulatorRuntime(config, Vendor.TRELLO, webhook_profile=trello_profile(credentials["app_secret"]))
    policy = TrelloRatePolicy(limits)
    app = create_emulator_app(
        runtime,
        title="Trello REST v1 emulator",
        error_formatter=trello_error,
        rate_limit_policy=policy,
        path_anchors=("/1/",),
    )
    app.add_middleware(TrailingSlashMiddleware)
    install_error_handlers(app)
    ctx = TrelloContext(runtime)
    fan_out = WebhookFanOut(runtime, ctx.actions, ctx.watched_models)
    runtime.bus.subscribe(fan_out.on_change)
    auth = Depends(authenticator(credentials["api_key"], credentials["token"]))
    app.include_router(member_router(ctx, auth))
    app.include_router(organization_router(ctx, auth))
    app.include_router(board_router(ctx, auth))
    app.include_router(card_router(ctx, auth))
    app.include_router(list_router(ctx, auth))
    app.include_router(webhook_router(ctx, auth, credentials["token"]))
    app.include_router(batch_router(ctx, auth, policy))
    return app, ctx


def build_app(config: EmulatorConfig) -> FastAPI:
    """The Trello emulator app (the CLI's factory)."""
    return build_trello(config)[0]
