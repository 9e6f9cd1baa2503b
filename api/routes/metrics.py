"""`/metrics`: Prometheus text exposition. Public by default; `BATON_METRICS_PUBLIC=false` requires a key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from api.auth.keys import resolve_api_key
from api.deps import StateDep
from api.metrics import PROMETHEUS_TEXT, RequestMetrics, render_metrics

__all__ = ["require_metrics_access", "router"]

router = APIRouter(tags=["metrics"])


def require_metrics_access(request: Request, state: StateDep) -> None:
    """Nothing when metrics are public; otherwise a valid API key (read from the header, not declared)."""
    if state.settings.metrics_public:
        return
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or resolve_api_key(state.database, secret.strip()) is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "An API key is required for metrics.", headers={"WWW-Authenticate": "Bearer"}
        )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format 0.0.4.",
            "content": {
                "text/plain": {"schema": {"type": "string"}, "example": 'baton_open_findings{rule="R02"} 3.0\n'}
            },
        },
        401: {"description": "Metrics are configured to require an API key (`BATON_METRICS_PUBLIC=false`)."},
    },
)
def metrics(request: Request, state: StateDep, _access: Annotated[None, Depends(require_metrics_access)]) -> Response:
    """Requests by route template and status, latency histogram, sync runs by status, live items per source,
    webhook inbox backlog and lag, open findings per rule."""
    request_metrics = request.app.state.request_metrics
    assert isinstance(request_metrics, RequestMetrics)
    body = render_metrics(request_metrics, state.database, state.clock())
    return Response(body, media_type=PROMETHEUS_TEXT)
