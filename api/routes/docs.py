"""`/docs`, `/redoc` and `/openapi.json`: served in development, absent (404) in production.

Settings are resolved when the app starts, so these routes check the running settings on each request instead
of relying on FastAPI's constructor flags.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from api.deps import StateDep

__all__ = ["DOC_PATHS", "require_docs_enabled", "router"]

DOC_PATHS = ("/openapi.json", "/docs", "/redoc")


def require_docs_enabled(state: StateDep) -> None:
    """404 in production: the API description is not published there."""
    if state.settings.environment == "production":
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")


router = APIRouter(include_in_schema=False, dependencies=[Depends(require_docs_enabled)])


@router.get("/openapi.json")
def openapi_document(request: Request) -> JSONResponse:
    """The OpenAPI description of the API."""
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Interactive documentation (Swagger UI)."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} - API")


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """Reference documentation (ReDoc)."""
    return get_redoc_html(openapi_url="/openapi.json", title=f"{request.app.title} - API")
