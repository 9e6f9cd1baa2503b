"""The dashboard's session cookie: the API key and a CSRF token, sealed with the store's Fernet keys.

The cookie is encrypted and authenticated (Fernet), so a browser can neither read the key nor forge a session;
each request re-checks the key against the store, so revoking a key ends its dashboard sessions at once.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.crypto import InvalidToken, SecretBox

__all__ = ["COOKIE_NAME", "SESSION_TTL", "DashboardSession", "open_session", "seal_session"]

COOKIE_NAME = "baton_session"
SESSION_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class DashboardSession:
    """What a signed-in browser carries."""

    api_key: str
    csrf_token: str
    issued_at: datetime


def seal_session(box: SecretBox, api_key: str, now: datetime) -> tuple[str, DashboardSession]:
    """A new session for ``api_key`` (with a fresh CSRF token) and its cookie value."""
    session = DashboardSession(api_key=api_key, csrf_token=secrets.token_urlsafe(32), issued_at=now)
    payload = {"k": session.api_key, "c": session.csrf_token, "t": now.isoformat()}
    return box.encrypt(json.dumps(payload)), session


def open_session(box: SecretBox, cookie: str | None, now: datetime) -> DashboardSession | None:
    """The session in ``cookie``, or ``None`` when it is missing, forged, malformed or older than the TTL."""
    if not cookie or len(cookie) > 2_000:
        return None
    try:
        payload = json.loads(box.decrypt(cookie))
        issued_at = datetime.fromisoformat(payload["t"])
        session = DashboardSession(api_key=str(payload["k"]), csrf_token=str(payload["c"]), issued_at=issued_at)
    except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError):
        return None
    if not issued_at <= now < issued_at + SESSION_TTL:
        return None
    return session
