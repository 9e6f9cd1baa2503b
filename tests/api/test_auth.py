"""API keys and roles; A1 route inventory; problem+json errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.deps import require_admin, require_viewer
from api.auth.keys import create_api_key, revoke_api_key
from core.settings import Settings
from models.db import Database
from models.enums import ApiKeyRole
from models.tables import API_KEYS
from sync.store import ensure_connection

PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics"}  # /metrics can be made to require a key (tests/api/test_metrics.py)
PUBLIC_PREFIXES = ("/webhooks/",)
DOC_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}  # 404 in production (test_production.py)
ADMIN_PATHS = {
    ("GET", "/api/v1/connections"),
    ("POST", "/api/v1/connections/{name}/check"),
    ("POST", "/api/v1/connections/{name}/sync"),
    ("POST", "/api/v1/findings/{finding_id}/snooze"),
    ("DELETE", "/api/v1/findings/{finding_id}/snooze"),
}


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=str(database.engine.url)), database=database)) as client:
        yield client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def api_routes(app: FastAPI) -> list[tuple[str, set[str], set[object]]]:
    """Every API route as served (router prefixes applied): path, methods and every dependency it runs.

    FastAPI 0.165 keeps included routers as branches in ``app.routes``; ``iter_route_contexts`` walks them.
    """
    found = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            found.append((str(context.path), set(context.methods or ()), dependency_calls(context)))
    return found


def dependency_calls(route: object) -> set[object]:
    found: set[object] = set()
    stack = [route.dependant]  # type: ignore[attr-defined]
    while stack:
        dependant = stack.pop()
        if dependant.call is not None:
            found.add(dependant.call)
        stack.extend(dependant.dependencies)
    return found


@pytest.mark.reliability
def test_a1_every_non_public_route_requires_a_key(client: TestClient) -> None:
    routes = api_routes(client.app)  # type: ignore[arg-type]
    paths = {path for path, _, _ in routes}
    assert {"/api/v1/items", "/api/v1/findings/{finding_id}/snooze", "/api/v1/sync/runs"} <= paths  # not vacuous
    assert len(routes) >= 30
    unprotected = {
        path
        for path, _, calls in routes
        if require_viewer not in calls and path not in PUBLIC_PATHS | DOC_PATHS and not path.startswith(PUBLIC_PREFIXES)
    }
    assert unprotected == set()
    public = {path for path, _, calls in routes if require_viewer not in calls}
    assert public == PUBLIC_PATHS | (DOC_PATHS & paths) | {p for p in paths if p.startswith(PUBLIC_PREFIXES)}


@pytest.mark.reliability
def test_a1_admin_routes_are_exactly_the_inventory(client: TestClient) -> None:
    admin = {
        (method, path)
        for path, methods, calls in api_routes(client.app)  # type: ignore[arg-type]
        if require_admin in calls
        for method in methods
    }
    assert admin == ADMIN_PATHS


@pytest.mark.reliability
def test_a1_every_api_route_answers_401_without_a_key_and_403_to_a_viewer_on_admin_routes(
    client: TestClient, database: Database
) -> None:
    viewer = create_api_key(database, name="planner", role=ApiKeyRole.VIEWER)
    for path, methods, _ in api_routes(client.app):  # type: ignore[arg-type]
        if not path.startswith("/api/"):
            continue
        url = path.replace("{item_id}", "1").replace("{finding_id}", "1").replace("{person_id}", "1")
        url = url.replace("{report_id}", "1").replace("{team}", "payments").replace("{name}", "jira")
        for method in methods:
            assert client.request(method, url).status_code == 401, (method, path)
            assert client.request(method, url, headers=bearer("baton_forged")).status_code == 401, (method, path)
            as_viewer = client.request(method, url, headers=bearer(viewer.secret))
            if (method, path) in ADMIN_PATHS:
                assert as_viewer.status_code == 403, (method, path)
            else:
                assert as_viewer.status_code != 403, (method, path)


def test_the_security_scheme_is_declared_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/api/"):
                assert operation["security"] == [{"ApiKey": []}], (method, path)
            else:
                assert "security" not in operation, (method, path)


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
