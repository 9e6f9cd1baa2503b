"""POST /batch over HTTP: actions answered in order with their own status and body, GET parameters from
data and options, per-action errors, the 10-action cap, the spec, and one request per action against the quota."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulators.asana import build_app
from emulators.server import running_server
from tests.emulators.asana.conftest import TOKEN, asana_config
from tests.emulators.spec_validation import validate_exchange

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def action(path: str, **extra: Any) -> dict[str, Any]:
    return {"relative_path": path, "method": "get", **extra}


def batch(api: httpx.Client, actions: list[dict[str, Any]]) -> httpx.Response:
    return api.post("/batch", json={"data": {"actions": actions}})


def checked(api: httpx.Client, response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    validate_exchange("asana", response, server=str(api.base_url).rstrip("/"))
    results: list[dict[str, Any]] = response.json()["data"]
    return results


def test_each_action_answers_as_its_own_request_would(api: httpx.Client) -> None:
    project = api.get("/projects").json()["data"][0]["gid"]
    tasks = api.get("/tasks", params={"project": project, "limit": 2, "opt_fields": "name"}).json()["data"]
    gid = tasks[0]["gid"]
    results = checked(
        api,
        batch(
            api,
            [
                action(f"/tasks/{gid}", options={"fields": ["name", "completed"]}),
                action(f"/tasks/{gid}/stories", options={"limit": 5, "fields": ["resource_subtype", "created_at"]}),
                action("/tasks", data={"project": project}, options={"limit": 2, "fields": ["name"]}),
                action("/tasks/1"),
            ],
        ),
    )
    assert [r["status_code"] for r in results] == [200, 200, 200, 404]
    alone = api.get(f"/tasks/{gid}", params={"opt_fields": "name,completed"}).json()
    assert results[0]["body"] == alone
    stories = api.get(f"/tasks/{gid}/stories", params={"limit": 5, "opt_fields": "resource_subtype,created_at"})
    assert results[1]["body"] == stories.json()
    assert [t["gid"] for t in results[2]["body"]["data"]] == [t["gid"] for t in tasks]
    assert results[3]["body"]["errors"][0]["message"]


def test_writes_go_through_too(api: httpx.Client) -> None:
    project = api.get("/projects").json()["data"][0]["gid"]
    gid = api.get("/tasks", params={"project": project, "limit": 1}).json()["data"][0]["gid"]
    results = checked(
        api, batch(api, [{"relative_path": f"/tasks/{gid}", "method": "put", "data": {"name": "Renamed"}}])
    )
    assert results[0]["status_code"] == 200
    assert api.get(f"/tasks/{gid}", params={"opt_fields": "name"}).json()["data"]["name"] == "Renamed"


def test_no_actions_more_than_ten_or_a_query_in_the_path_are_400(api: httpx.Client) -> None:
    assert batch(api, []).status_code == 400
    assert batch(api, [action("/workspaces")] * 11).status_code == 400
    assert batch(api, [action("/workspaces?limit=1")]).status_code == 400
    assert len(checked(api, batch(api, [action("/workspaces")] * 10))) == 10


def test_batch_needs_a_token(asana_url: str) -> None:
    with httpx.Client(base_url=f"{asana_url}/api/1.0") as anonymous:
        response = anonymous.post("/batch", json={"data": {"actions": [action("/workspaces")]}})
    assert response.status_code == 401


@pytest.fixture
def free_plan() -> Iterator[httpx.Client]:
    config = asana_config(rate_limit=True, options={"plan": "free"})
    with (
        running_server(build_app(config)) as url,
        httpx.Client(base_url=f"{url}/api/1.0", headers=AUTH) as api,
        httpx.Client(base_url=url) as control,
    ):
        control.post("/_emulator/clock", json={"freeze": True}).raise_for_status()
        yield api


def test_each_action_counts_once_against_the_quota_and_the_envelope_not_at_all(free_plan: httpx.Client) -> None:
    api = free_plan
    for _ in range(14):  # 140 of the free plan's 150 a minute
        assert {r["status_code"] for r in checked(api, batch(api, [action("/workspaces")] * 10))} == {200}
    results = checked(api, batch(api, [action("/workspaces")] * 10))  # 141st..150th fit; the envelope is free
    assert {r["status_code"] for r in results} == {200}
    refused = checked(api, batch(api, [action("/workspaces")] * 2))
    assert [r["status_code"] for r in refused] == [429, 429]
    assert int(refused[0]["headers"]["retry-after"]) >= 1
    assert api.get("/workspaces").status_code == 429
