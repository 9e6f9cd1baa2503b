"""What the view routers share: the policy and clock dependencies, and the documented error responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends

from api.deps import StateDep
from core.policy import Policy

__all__ = ["ADMIN_RESPONSES", "BODY_RESPONSES", "NOT_FOUND", "VIEWER_RESPONSES", "NowDep", "PolicyDep", "problem"]


def problem(description: str) -> dict[str, Any]:
    """An error response documented as ``application/problem+json``."""
    return {
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                    },
                    "required": ["type", "title", "status", "detail"],
                },
                "example": {
                    "type": "about:blank",
                    "title": "Unauthorized",
                    "status": 401,
                    "detail": "An API key is required.",
                },
            }
        },
    }


VIEWER_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem("No API key, or a key that is not valid."),
    422: problem("A parameter is not valid (the problem lists each one under `errors`)."),
    429: problem("Too many requests with this API key: wait `Retry-After` seconds."),
}
ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **VIEWER_RESPONSES,
    403: problem("The key is valid but this action needs an admin key."),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem("No such resource.")}
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem("The body is not valid JSON."),
    413: problem("The body is larger than the limit (1 MiB)."),
}


def get_policy(state: StateDep) -> Policy | None:
    """The policy in force, or ``None`` when Baton runs without a policy file."""
    return state.policy.policy if state.policy is not None else None


def get_now(state: StateDep) -> datetime:
    """The current time from the app's injected clock."""
    return state.clock()


PolicyDep = Annotated[Policy | None, Depends(get_policy)]
NowDep = Annotated[datetime, Depends(get_now)]
