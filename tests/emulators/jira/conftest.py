"""Fixtures: the Jira emulator over real HTTP on 127.0.0.1 with the demo credentials."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from emulators.config import EmulatorConfig
from emulators.jira import build_app
from emulators.server import running_server

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
EMAIL = "baton@example.com"
TOKEN = "emulator-token"
AUTH = (EMAIL, TOKEN)
ITEMS = 600


def jira_config(**overrides: object) -> EmulatorConfig:
    """A small, fixed Jira emulator config (tiny webhook retry scale)."""
    values: dict[str, object] = {
        "vendor": "jira",
        "seed": 1,
        "items": ITEMS,
        "now": NOW,
        "webhook_time_scale": 0.0001,
        "credentials": {"email": EMAIL, "api_token": TOKEN},
    }
    values.update(overrides)
    return EmulatorConfig(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def jira_url() -> Iterator[str]:
    """A read-mostly Jira emulator shared by a test module."""
    with running_server(build_app(jira_config())) as url:
        yield url


@pytest.fixture
def fresh_jira_url() -> Iterator[str]:
    """A Jira emulator of its own, for tests that write."""
    with running_server(build_app(jira_config())) as url:
        yield url


@pytest.fixture
def client(jira_url: str) -> Iterator[httpx.Client]:
    """An authenticated client of the shared emulator."""
    with httpx.Client(base_url=jira_url, auth=AUTH, timeout=30) as http:
        yield http


def project_keys(client: httpx.Client) -> list[str]:
    """Every project key of the site."""
    return [p["key"] for p in client.get("/rest/api/3/project").json()]


def all_project_jql(client: httpx.Client) -> str:
    """A bounded query over every project."""
    return f"project in ({', '.join(project_keys(client))})"


def page_all(client: httpx.Client, params: dict[str, object], *, post: bool = False) -> list[dict[str, object]]:
    """Follow nextPageToken until isLast; returns every issue."""
    issues: list[dict[str, object]] = []
    token: str | None = None
    while True:
        if post:
            body = {**params, **({"nextPageToken": token} if token else {})}
            response = client.post("/rest/api/3/search/jql", json=body)
        else:
            response = client.get(
                "/rest/api/3/search/jql", params={**params, **({"nextPageToken": token} if token else {})}
            )
        assert response.status_code == 200, response.text
        page = response.json()
        issues.extend(page["issues"])
        assert "total" not in page
        if page["isLast"]:
            assert "nextPageToken" not in page
            return issues
        token = page["nextPageToken"]
