"""Signing in with an API key (a sealed session cookie) and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth.keys import resolve_api_key
from api.dashboard.identity import ViewerDep, check_csrf, check_same_origin
from api.dashboard.session import COOKIE_NAME, SESSION_TTL, seal_session
from api.dashboard.templating import render_page
from api.deps import StateDep

__all__ = ["router", "safe_next"]

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target[:1_000]


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: Annotated[str | None, Query(max_length=1_000)] = None) -> HTMLResponse:
    """The sign-in form."""
    return render_page(request, "sign_in.html", title="Sign in", viewer=None, next_path=safe_next(next), error=None)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    state: StateDep,
    api_key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=1_000)] = "/",
) -> Response:
    """Check the key; on success set the session cookie and go to ``next``."""
    check_same_origin(request)
    key = api_key.strip()
    identity = resolve_api_key(state.database, key) if key else None
    error = None
    if identity is None:
        error = "That API key is not valid. Create one with `baton apikey create`."
    elif identity.teams is not None:
        # The pages show the whole organisation; a team-scoped key is for the API, which filters by its teams.
        error = "That key is scoped to teams and can only be used with the API; sign in with an unscoped key."
    if error is not None:
        return render_page(
            request,
            "sign_in.html",
            title="Sign in",
            viewer=None,
            next_path=safe_next(next),
            error=error,
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    cookie, _session = seal_session(state.secret_box, key, state.clock())
    response = RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE_NAME,
        cookie,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/sign-out")
def sign_out(request: Request, viewer: ViewerDep, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Forget the session cookie."""
    check_csrf(request, viewer, csrf_token)
    response = RedirectResponse("/sign-in", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax")
    return response
