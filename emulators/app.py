"""Build a vendor's FastAPI app on the engine: control API, path tolerance, faults, rate limits, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI

from emulators.asgi_paths import PathNormalizerMiddleware
from emulators.control import build_control_router
from emulators.fault_middleware import FaultMiddleware
from emulators.http_errors import ErrorFormatter, default_error_formatter
from emulators.ratelimit_middleware import RateLimitMiddleware
from emulators.ratelimit_policy import RateLimitPolicy
from emulators.request_tally import RequestTallyMiddleware
from emulators.runtime import EmulatorRuntime

__all__ = ["create_emulator_app"]


def create_emulator_app(
    runtime: EmulatorRuntime,
    *,
    title: str,
    error_formatter: ErrorFormatter = default_error_formatter,
    rate_limit_policy: RateLimitPolicy | None = None,
    path_anchors: Sequence[str] = ("/rest/",),
) -> FastAPI:
    """A FastAPI app with the control router and the engine middlewares; vendors add their routers to it."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, lifespan=lifespan, docs_url="/_emulator/docs", openapi_url="/_emulator/openapi.json")
    app.state.runtime = runtime
    app.include_router(build_control_router(runtime))
    # Added innermost first: the request meets paths, is counted, then meets faults, then the rate limiter.
    if rate_limit_policy is not None:
        app.add_middleware(
            RateLimitMiddleware, policy=rate_limit_policy, clock=runtime.clock, switch=runtime.rate_limit
        )
    app.add_middleware(
        FaultMiddleware, decider=runtime.faults, format_error=error_formatter, settings=runtime.fault_settings
    )
    app.add_middleware(RequestTallyMiddleware, tally=runtime.requests)
    app.add_middleware(PathNormalizerMiddleware, anchors=tuple(path_anchors))
    return app
