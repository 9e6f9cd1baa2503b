"""Who is signed in to the dashboard: a dependency that reads the session cookie and re-checks its key."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from api.auth.keys import KeyIdentity, resolve_api_key
from api.dashboard.session import COOKIE_NAME, DashboardSession, open_session
from api.deps import StateDep
from models.enums import ApiKeyRole

__all__ = [
    "CsrfRejected",
    "SignInRequired",
    "Viewer",
    "ViewerDep",
    "check_csrf",
    "check_same_origin",
    "current_viewer",
]


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):
    """A form post without the session's CSRF token, or from another origin."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in browser: the key's identity and the session's CSRF token."""

    identity: KeyIdentity
    session: DashboardSession

    @property
    def is_admin(self) -> bool:
        """Admin keys may snooze findings."""
        return self.identity.role is ApiKeyRole.ADMIN


def current_viewer(request: Request, state: StateDep) -> Viewer:
    """The signed-in viewer; raises ``SignInRequired`` without a live session."""
    session = open_session(state.secret_box, request.cookies.get(COOKIE_NAME), state.clock())
    identity = resolve_api_key(state.database, session.api_key) if session is not None else None
    if identity is not None and identity.teams is not None:
        identity = None  # team-scoped keys never open the dashboard (see signin.py)
    if session is None or identity is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return Viewer(identity=identity, session=session)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def check_same_origin(request: Request) -> None:
    """Refuse a post whose Origin (or Referer) names another site; browsers send one on every form post."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return
    parts = urlsplit(claimed)
    if parts.netloc != request.url.netloc:
        raise CsrfRejected("The form was posted from another site.")


def check_csrf(request: Request, viewer: Viewer, token: str) -> None:
    """Refuse a post whose CSRF field does not match the session's token (double-submit, constant time)."""
    check_same_origin(request)
    if not hmac.compare_digest(token.encode(), viewer.session.csrf_token.encode()):
        raise CsrfRejected("The form has expired: reload the page and try again.")
