"""CORS by allowlist: browsers from listed origins may call the API; every other origin gets no CORS headers.

Settings are resolved when the app starts, so the middleware reads them from the running state on each request
and builds Starlette's ``CORSMiddleware`` once per state. ``*`` together with credentials is refused by
``Settings`` itself, so such a process never starts.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["AllowlistCORSMiddleware", "check_cors_settings"]

_METHODS = ("GET", "POST", "DELETE", "OPTIONS")
_HEADERS = ("Authorization", "Content-Type", "Accept")
_EXPOSED = ("Retry-After", "Content-Disposition")


def check_cors_settings(origins: list[str], allow_credentials: bool) -> None:
    """Raise ``RuntimeError`` for a configuration that would let any site act as a signed-in user."""
    if allow_credentials and "*" in origins:
        raise RuntimeError("BATON_CORS_ORIGINS='*' cannot be combined with BATON_CORS_ALLOW_CREDENTIALS=true")


class AllowlistCORSMiddleware:
    """Applies the running app's ``cors_origins`` / ``cors_allow_credentials``; no origins means no CORS at all."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._for_settings: object | None = None
        self._cors: ASGIApp = app

    def _configured(self, scope: Scope) -> ASGIApp:
        state = getattr(getattr(scope.get("app"), "state", None), "baton", None)
        settings = getattr(state, "settings", None)
        if settings is None:
            return self.app
        if settings is not self._for_settings:
            origins = list(settings.cors_origins)
            check_cors_settings(origins, settings.cors_allow_credentials)
            self._cors = (
                CORSMiddleware(
                    self.app,
                    allow_origins=origins,
                    allow_credentials=settings.cors_allow_credentials,
                    allow_methods=_METHODS,
                    allow_headers=_HEADERS,
                    expose_headers=_EXPOSED,
                    max_age=600,
                )
                if origins
                else self.app
            )
            self._for_settings = settings
        return self._cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self._configured(scope)(scope, receive, send)
