"""API keys and roles; A1 route inventory; problem+json errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.deps import require_viewer
from api.auth.keys import create_api_key, revoke_api_key
from core.settings import Settings
from models.db import Database
from models.enums import ApiKeyRole
from models.tables import API_KEYS
from sync.store import ensure_connection

PUBLIC_PATHS = {"/healthz", "/readyz"}
PUBLIC_PREFIXES = ("/webhooks/",)
DOC_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=str(database.engine.url)), database=database)) as client:
        yield client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def dependency_calls(route: APIRoute) -> set[object]:
    found: set[object] = set()
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if dependant.call is not None:
            found.add(dependant.call)
        stack.extend(dependant.dependencies)
    return found


def test_a1_every_non_public_route_requires_a_key(client: TestClient) -> None:
    routes = [r for r in client.app.routes if isinstance(r, APIRoute)]  # type: ignore[attr-defined]
    unprotected = {
        route.path
        for route in routes
        if require_viewer not in dependency_calls(route)
        and route.path not in PUBLIC_PATHS
        and not route.path.startswith(PUBLIC_PREFIXES)
    }
    assert unprotected == set()
    public = {r.path for r in routes if require_viewer not in dependency_calls(r)}
    assert public <= PUBLIC_PATHS | {r.path for r in routes if r.path.startswith(PUBLIC_PREFIXES)}


def test_the_security_scheme_is_declared_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    assert schema["paths"]["/api/v1/sync/runs"]["get"]["security"] == [{"ApiKey": []}]


def test_missing_and_wrong_keys_are_401_problems(client: TestClient) -> None:
    missing = client.get("/api/v1/sync/runs")
    wrong = client.get("/api/v1/sync/runs", headers=bearer("baton_not-a-real-key"))
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401


def test_a_viewer_reads_but_never_reaches_admin_routes(client: TestClient, database: Database) -> None:
    viewer = create_api_key(database, name="planner", role=ApiKeyRole.VIEWER)
    assert client.get("/api/v1/sync/runs", headers=bearer(viewer.secret)).status_code == 200
    forbidden = client.get("/api/v1/connections", headers=bearer(viewer.secret))
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == "This action needs an admin key."


def test_an_admin_reaches_admin_routes_without_seeing_secrets(client: TestClient, database: Database) -> None:
    ensure_connection(database, name="jira", vendor="jira", base_url="http://127.0.0.1:8101")
    admin = create_api_key(database, name="ops", role=ApiKeyRole.ADMIN)
    response = client.get("/api/v1/connections", headers=bearer(admin.secret))
    assert response.status_code == 200
    assert [c["name"] for c in response.json()] == ["jira"]
    assert admin.secret not in response.text


def test_revoked_keys_stop_working(client: TestClient, database: Database) -> None:
    key = create_api_key(database, name="temp", role=ApiKeyRole.VIEWER)
    assert client.get("/api/v1/sync/runs", headers=bearer(key.secret)).status_code == 200
    assert revoke_api_key(database, key.id)
    assert client.get("/api/v1/sync/runs", headers=bearer(key.secret)).status_code == 401
    assert not revoke_api_key(database, key.id)


def test_keys_are_stored_hashed(database: Database) -> None:
    key = create_api_key(database, name="canary", role=ApiKeyRole.ADMIN)
    with database.read_session() as session:
        stored = [tuple(row) for row in session.execute(API_KEYS.select())]
    assert key.secret not in repr(stored)


def test_validation_errors_are_422_problems(client: TestClient, database: Database) -> None:
    key = create_api_key(database, name="p", role=ApiKeyRole.VIEWER)
    response = client.get("/api/v1/sync/runs?limit=1000000000", headers=bearer(key.secret))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]
