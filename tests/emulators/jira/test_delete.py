"""DELETE /rest/api/3/issue/{key}: Jira answers 400 for an issue with sub-tasks unless deleteSubtasks=true."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from emulators.jira import build_app
from emulators.org.model import ItemType
from emulators.runtime import EmulatorRuntime
from emulators.server import running_server
from tests.emulators.jira.conftest import AUTH, jira_config
from tests.emulators.spec_validation import validate_exchange


@pytest.fixture
def jira() -> Iterator[tuple[httpx.Client, EmulatorRuntime]]:
    app = build_app(jira_config())
    runtime: EmulatorRuntime = app.state.jira.runtime
    with running_server(app) as url, httpx.Client(base_url=url, auth=AUTH, timeout=30) as http:
        yield http, runtime


def parent_with_subtasks(runtime: EmulatorRuntime) -> tuple[str, list[str]]:
    store = runtime.store
    children: dict[int, list[str]] = {}
    for team in store.teams:
        for item in store.iter_team(team):
            if item.type is ItemType.SUBTASK and item.parent is not None:
                children.setdefault(item.parent, []).append(item.key)
    parent, keys = next(iter(children.items()))
    found = store.get(parent)
    assert found is not None
    return found.key, keys


def test_an_issue_with_subtasks_is_refused_without_the_flag(jira: tuple[httpx.Client, EmulatorRuntime]) -> None:
    http, runtime = jira
    key, subtasks = parent_with_subtasks(runtime)
    refused = http.delete(f"/rest/api/3/issue/{key}")
    assert refused.status_code == 400
    validate_exchange("jira", refused, server=str(http.base_url))
    assert refused.json()["errorMessages"]
    assert http.get(f"/rest/api/3/issue/{key}").status_code == 200
    assert all(http.get(f"/rest/api/3/issue/{sub}").status_code == 200 for sub in subtasks)


def test_delete_subtasks_true_takes_the_subtasks_too(jira: tuple[httpx.Client, EmulatorRuntime]) -> None:
    http, runtime = jira
    key, subtasks = parent_with_subtasks(runtime)
    assert http.delete(f"/rest/api/3/issue/{key}", params={"deleteSubtasks": "true"}).status_code == 204
    assert http.get(f"/rest/api/3/issue/{key}").status_code == 404
    assert all(http.get(f"/rest/api/3/issue/{sub}").status_code == 404 for sub in subtasks)


def test_a_leaf_deletes_without_the_flag(jira: tuple[httpx.Client, EmulatorRuntime]) -> None:
    http, runtime = jira
    _, subtasks = parent_with_subtasks(runtime)
    assert http.delete(f"/rest/api/3/issue/{subtasks[0]}").status_code == 204
    assert http.get(f"/rest/api/3/issue/{subtasks[0]}").status_code == 404
