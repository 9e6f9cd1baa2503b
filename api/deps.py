"""Annotated dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.state import AppState
from models.db import Database

__all__ = ["DatabaseDep", "StateDep", "get_database", "get_state"]


def get_state(request: Request) -> AppState:
    """The running app's state (built in the lifespan)."""
    state = request.app.state.baton
    assert isinstance(state, AppState)
    return state


def get_database(state: Annotated[AppState, Depends(get_state)]) -> Database:
    """The store."""
    return state.database


StateDep = Annotated[AppState, Depends(get_state)]
DatabaseDep = Annotated[Database, Depends(get_database)]
