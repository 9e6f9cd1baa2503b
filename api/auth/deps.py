"""FastAPI dependencies: every non-public route requires a key; admin routes require the admin role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth.keys import KeyIdentity, resolve_api_key
from api.deps import DatabaseDep
from models.enums import ApiKeyRole

__all__ = ["AdminDep", "ViewerDep", "require_admin", "require_viewer"]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `baton apikey create`, sent as `Authorization: Bearer <key>`.",
)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def require_viewer(
    database: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> KeyIdentity:
    """Any valid key (viewer or admin)."""
    if credentials is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "An API key is required.", headers=_CHALLENGE)
    identity = resolve_api_key(database, credentials.credentials)
    if identity is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "The API key is not valid.", headers=_CHALLENGE)
    return identity


def require_admin(identity: Annotated[KeyIdentity, Depends(require_viewer)]) -> KeyIdentity:
    """A valid key with the admin role."""
    if identity.role is not ApiKeyRole.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This action needs an admin key.")
    return identity


ViewerDep = Annotated[KeyIdentity, Depends(require_viewer)]
AdminDep = Annotated[KeyIdentity, Depends(require_admin)]
