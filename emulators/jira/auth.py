"""Basic `email:API token` and bearer-token authentication; Jira's 401 otherwise."""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import Request

from emulators.jira.errors import AUTH_REQUIRED, JiraApiError

__all__ = ["Credentials", "authenticate"]

DEMO_EMAIL = "baton@example.com"
DEMO_TOKEN = "emulator-token"


class Credentials:
    """The one account the emulator accepts (from the plugin config)."""

    def __init__(self, email: str = DEMO_EMAIL, api_token: str = DEMO_TOKEN) -> None:
        self.email = email
        self.api_token = api_token

    def accepts(self, authorization: str) -> bool:
        """Whether an Authorization header carries these credentials."""
        scheme, _, value = authorization.partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer":
            return hmac.compare_digest(value, self.api_token)
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        email, _, token = decoded.partition(":")
        return email.lower() == self.email.lower() and hmac.compare_digest(token, self.api_token)


def authenticate(credentials: Credentials, request: Request) -> None:
    """Raise Jira's 401 unless the request is authenticated."""
    if not credentials.accepts(request.headers.get("authorization", "")):
        raise JiraApiError(401, [AUTH_REQUIRED], headers={"WWW-Authenticate": 'Basic realm="protected-area"'})
