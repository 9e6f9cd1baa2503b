"""Rendering dashboard pages: one Jinja2 environment (autoescaped), the shared page context and security headers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api.dashboard.identity import Viewer

__all__ = ["NAVIGATION", "PAGE_HEADERS", "render_page"]

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

# Scripts and styles come only from Baton itself; charts are inline SVG, so their style attributes are allowed.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# (path, label): the order of the navigation bar.
NAVIGATION = (
    ("/", "Overview"),
    ("/backlog", "Backlog"),
    ("/board", "Team board"),
    ("/people", "Workload"),
    ("/findings", "Findings"),
    ("/sprints", "Sprints"),
    ("/flow", "Flow"),
    ("/reports", "Reports"),
)


def _when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _number(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def _label(value: str | None) -> str:
    return (value or "").replace("_", " ")


def _svg(markup: str) -> Markup:
    """Chart SVG drawn by Baton itself (never user text unescaped: the chart helper escapes labels)."""
    return Markup(markup)


TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["number"] = _number
TEMPLATES.env.filters["label"] = _label
TEMPLATES.env.filters["svg"] = _svg


def render_page(
    request: Request,
    template: str,
    *,
    title: str,
    viewer: Viewer | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` with the navigation, the viewer and their CSRF token, and the security headers."""
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "viewer": viewer,
            "csrf_token": viewer.session.csrf_token if viewer is not None else "",
            "navigation": NAVIGATION,
            "current_path": request.url.path,
            **context,
        },
        status_code=status_code,
        headers=PAGE_HEADERS,
    )
    assert isinstance(response, HTMLResponse)
    return response
