"""`/api/v1/connections` (admin): the vendor accounts Baton syncs."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from api.auth.deps import AdminDep
from api.deps import DatabaseDep
from models.tables import CONNECTIONS

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/connections", tags=["connections"])


class ConnectionPublic(BaseModel):
    """A connection as the API shows it: never its credentials."""

    id: int
    name: str
    vendor: str
    base_url: str
    enabled: bool
    last_success_at: datetime | None


@router.get("", response_model=list[ConnectionPublic], summary="Configured connections")
def list_connections(database: DatabaseDep, _key: AdminDep) -> list[ConnectionPublic]:
    """Every connection with its vendor, base URL and last successful sync."""
    with database.read_session() as session:
        rows = session.execute(select(CONNECTIONS).order_by(CONNECTIONS.c.name)).mappings().all()
    return [ConnectionPublic.model_validate(dict(row)) for row in rows]
