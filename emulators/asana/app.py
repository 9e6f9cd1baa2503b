"""Build the Asana emulator app: engine runtime and middlewares, Asana errors, limits, routers, events,
webhooks and heartbeats."""

from __future__ import annotations

from fastapi import FastAPI

from emulators.app import create_emulator_app
from emulators.asana.activity_events import ActivityEvent
from emulators.asana.auth import build_oauth_router
from emulators.asana.context import AsanaContext
from emulators.asana.errors import format_error, install_error_handlers
from emulators.asana.ratelimits import asana_policy
from emulators.asana.routes.batch import build_batch_router
from emulators.asana.routes.directory import build_directory_router
from emulators.asana.routes.events import build_event_router
from emulators.asana.routes.projects import build_project_router
from emulators.asana.routes.task_reads import build_task_read_router
from emulators.asana.routes.task_writes import build_task_write_router
from emulators.asana.routes.webhooks import build_webhook_router
from emulators.asana.settings import AsanaSettings
from emulators.asana.webhooks import ASANA_WEBHOOKS, HEARTBEAT_BODY, HEARTBEAT_SECONDS, WebhookDispatcher, webhook_gid
from emulators.config import EmulatorConfig
from emulators.events import ChangeEvent
from emulators.org.model import Vendor
from emulators.runtime import EmulatorRuntime

__all__ = ["build_app", "build_context"]


def build_context(config: EmulatorConfig) -> AsanaContext:
    """The runtime and Asana's views of it, with every write flowing to the events API and webhooks."""
    runtime = EmulatorRuntime(config, Vendor.ASANA, webhook_profile=ASANA_WEBHOOKS, subscription_ids=webhook_gid)
    context = AsanaContext.build(runtime, AsanaSettings.from_config(config))
    dispatcher = WebhookDispatcher(runtime, context.catalog)

    def publish(events: list[ActivityEvent]) -> None:
        context.stream.append(events)
        dispatcher.dispatch(events)

    def on_change(change: ChangeEvent) -> None:
        publish(context.events.render(change))

    context.publish = publish
    runtime.bus.subscribe(on_change)

    async def start_heartbeats(started: EmulatorRuntime) -> None:
        if started.webhooks is not None:
            started.webhooks.start_heartbeat(HEARTBEAT_SECONDS, lambda subscription: HEARTBEAT_BODY)

    runtime.start_hooks.append(start_heartbeats)
    return context


def build_app(config: EmulatorConfig) -> FastAPI:
    """The Asana API 1.0 emulator under /api/1.0 (plus /-/oauth_token and the engine's /_emulator)."""
    context = build_context(config)
    policy = asana_policy(context.settings.plan)
    app = create_emulator_app(
        context.runtime,
        title="Asana emulator",
        error_formatter=format_error,
        rate_limit_policy=policy,
        path_anchors=("/api/1.0/", "/-/oauth_token"),
    )
    app.state.asana = context
    install_error_handlers(app)
    app.include_router(build_oauth_router(context.tokens, context.catalog))
    for build in (
        build_directory_router,
        build_project_router,
        build_task_read_router,
        build_task_write_router,
        build_event_router,
        build_webhook_router,
    ):
        app.include_router(build(context))
    app.include_router(build_batch_router(context, policy))
    return app
