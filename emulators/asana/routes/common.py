"""What every API router needs: the /api/1.0 prefix, bearer auth, emulated processing time; body parsing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from emulators.asana.context import API_PREFIX, AsanaContext
from emulators.asana.errors import AsanaError

__all__ = ["DataBody", "api_router", "optional_str", "required_str"]


class DataBody(BaseModel):
    """Asana request bodies: `{"data": {...}}`."""

    data: dict[str, Any] = {}


def api_router(context: AsanaContext, tag: str) -> APIRouter:
    """A router under /api/1.0 that authenticates every request and spends the emulated processing time."""

    async def authenticate(request: Request) -> str:  # async: no threadpool hop for a dictionary lookup
        return context.authenticate(request)

    async def process() -> None:
        await context.process()

    return APIRouter(prefix=API_PREFIX, tags=[tag], dependencies=[Depends(authenticate), Depends(process)])


def required_str(data: dict[str, Any], name: str) -> str:
    """A string field of a body (400 when missing)."""
    value = data.get(name)
    if value is None or value == "":
        raise AsanaError(400, f"{name}: Missing input")
    if not isinstance(value, str | int):
        raise AsanaError(400, f"{name}: Not a string: {value!r}")
    return str(value)


def optional_str(data: dict[str, Any], name: str) -> str | None:
    """A string field of a body, or None."""
    value = data.get(name)
    return None if value is None else required_str(data, name)
