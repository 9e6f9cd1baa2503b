"""`/api/v1/connections` (admin): the vendor accounts Baton syncs, and triggers to check or sync one now.

The triggers are seams: ``create_app(connection_triggers=...)`` injects what actually runs a check or a sync
(the scheduler, later); the default only records the request in the log and answers 202.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.auth.deps import AdminDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import ADMIN_RESPONSES, BODY_RESPONSES, NOT_FOUND
from api.views.params import SAFE_TEXT, FormatParam
from models.tables import CONNECTIONS

__all__ = ["ConnectionTriggers", "TriggerAccepted", "router"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/connections", tags=["connections"])

SyncKindName = Literal["incremental", "full"]


def _log_check(name: str) -> None:
    log.info("connection check requested for %s (no trigger installed)", name)


def _log_sync(name: str, kind: str) -> int | None:
    log.info("%s sync requested for %s (no trigger installed)", kind, name)
    return None


@dataclass(frozen=True)
class ConnectionTriggers:
    """What runs when an admin asks for a check or a sync: ``sync`` returns the new run's id when it has one."""

    check: Callable[[str], None] = _log_check
    sync: Callable[[str, str], int | None] = _log_sync


class ConnectionPublic(BaseModel):
    """A connection as the API shows it: never its credentials."""

    id: int
    name: str = Field(examples=["jira"])
    vendor: str = Field(examples=["jira"])
    base_url: str = Field(examples=["https://acme.atlassian.net"])
    enabled: bool
    last_success_at: datetime | None


class TriggerAccepted(BaseModel):
    """The request was accepted; the work runs in the background."""

    connection: str
    action: Literal["check", "sync"]
    kind: SyncKindName | None = None
    run_id: int | None = Field(default=None, description="The sync run's id, once the scheduler has created it.")
    status: Literal["accepted"] = "accepted"


class SyncRequest(BaseModel):
    """Which sync to run; any other field is refused."""

    model_config = ConfigDict(extra="forbid")

    kind: SyncKindName = Field(default="incremental", description="incremental (default) or full.")


def get_triggers(request: Request) -> ConnectionTriggers:
    """The app's triggers, or the logging defaults."""
    triggers = getattr(request.app.state, "connection_triggers", None)
    return triggers if isinstance(triggers, ConnectionTriggers) else ConnectionTriggers()


TriggersDep = Annotated[ConnectionTriggers, Depends(get_triggers)]
NamePath = Annotated[str, Path(min_length=1, max_length=100, pattern=SAFE_TEXT, description="The connection's name.")]
CONNECTION_CSV_COLUMNS = ("id", "name", "vendor", "base_url", "enabled", "last_success_at")


@router.get(
    "",
    response_model=list[ConnectionPublic],
    summary="Configured connections",
    responses={**ADMIN_RESPONSES, **CSV_RESPONSE},
)
def list_connections(
    request: Request, database: DatabaseDep, _key: AdminDep, format: FormatParam = None
) -> list[ConnectionPublic] | StreamingResponse:
    """Every connection with its vendor, base URL and last successful sync."""
    with database.read_session() as session:
        rows = session.execute(select(CONNECTIONS).order_by(CONNECTIONS.c.name)).mappings().all()
    connections = [ConnectionPublic.model_validate(dict(row)) for row in rows]
    if wants_csv(request, format):
        return csv_response(CONNECTION_CSV_COLUMNS, [[c.model_dump() for c in connections]], filename="connections")
    return connections


def _require_connection(database: DatabaseDep, name: str) -> None:
    with database.read_session() as session:
        found = session.execute(select(CONNECTIONS.c.id).where(CONNECTIONS.c.name == name)).scalar_one_or_none()
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such connection.")


@router.post(
    "/{name}/check",
    response_model=TriggerAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Check a connection now (admin)",
    responses={**ADMIN_RESPONSES, **NOT_FOUND},
)
def check_connection(name: NamePath, database: DatabaseDep, triggers: TriggersDep, _key: AdminDep) -> TriggerAccepted:
    """Ask for a credentials and reachability check of the connection; runs in the background."""
    _require_connection(database, name)
    triggers.check(name)
    return TriggerAccepted(connection=name, action="check")


@router.post(
    "/{name}/sync",
    response_model=TriggerAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Sync a connection now (admin)",
    responses={**ADMIN_RESPONSES, **NOT_FOUND, **BODY_RESPONSES},
)
def sync_connection(
    name: NamePath,
    database: DatabaseDep,
    triggers: TriggersDep,
    _key: AdminDep,
    body: Annotated[SyncRequest | None, Body(description="Optional; an incremental sync by default.")] = None,
) -> TriggerAccepted:
    """Ask for a sync of the connection now; the answer carries the run id when the trigger gives one."""
    _require_connection(database, name)
    kind = (body or SyncRequest()).kind
    run_id = triggers.sync(name, kind)
    return TriggerAccepted(connection=name, action="sync", kind=kind, run_id=run_id)
