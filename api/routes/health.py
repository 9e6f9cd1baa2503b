"""Liveness and readiness probes (public: no API key)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

import migrations
from api.deps import DatabaseDep

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The probe's answer."""

    status: str
    detail: str | None = None
    revision: str | None = None


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    """Answers 200 while the process runs; it checks nothing else."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="The store is reachable and migrated",
    responses={503: {"model": Health, "description": "Database unreachable or migrations not at head"}},
)
def readyz(database: DatabaseDep) -> Health | JSONResponse:
    """200 when the database answers and its schema is at the newest migration, 503 otherwise."""
    try:
        revision = migrations.current_revision(database.engine)
    except SQLAlchemyError as error:
        log.warning("readiness: database unreachable: %s", type(error).__name__)
        body = Health(status="unavailable", detail="database unreachable")
        return JSONResponse(body.model_dump(), status_code=503)
    head = migrations.head_revision()
    if revision != head:
        body = Health(
            status="unavailable", detail=f"migrations at {revision or 'none'}, expected {head}", revision=revision
        )
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ok", revision=revision)
