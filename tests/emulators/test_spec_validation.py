"""The spec validator itself: it accepts a conforming response and refuses a broken one."""

from __future__ import annotations

import httpx
import pytest

from tests.emulators.spec_validation import lenient_date_time, validate_exchange

SERVER = "http://127.0.0.1:9"


def test_jira_timestamps_with_offsets_without_colon_are_date_times() -> None:
    assert lenient_date_time("2026-01-18T23:45:00.000+0000")
    assert lenient_date_time("2017-05-31T18:52:54.933Z")
    assert not lenient_date_time("2026-01-18")
    assert not lenient_date_time("yesterday")


def test_a_conforming_response_passes_and_a_broken_one_fails() -> None:
    request = httpx.Request("GET", f"{SERVER}/rest/api/3/serverInfo")
    good = {"baseUrl": SERVER, "deploymentType": "Cloud", "versionNumbers": [1001, 0, 0]}
    validate_exchange("jira", httpx.Response(200, json=good, request=request), server=SERVER)
    with pytest.raises(Exception, match="not valid"):
        validate_exchange("jira", httpx.Response(200, json={"versionNumbers": "x"}, request=request), server=SERVER)


def test_yaml_specs_load_with_string_response_codes() -> None:
    request = httpx.Request("GET", f"{SERVER}/api/1.0/workspaces")
    body = {"data": [{"gid": "1", "resource_type": "workspace", "name": "Acme"}]}
    validate_exchange("asana", httpx.Response(200, json=body, request=request), server=f"{SERVER}/api/1.0")


def test_null_is_accepted_where_an_allof_member_says_nullable_and_nowhere_else() -> None:
    request = httpx.Request("GET", f"{SERVER}/api/1.0/tasks/1")
    task = {"gid": "1", "resource_type": "task", "name": "t", "parent": None, "assignee": None}
    validate_exchange("asana", httpx.Response(200, json={"data": task}, request=request), server=f"{SERVER}/api/1.0")
    broken = {**task, "memberships": None}
    with pytest.raises(Exception, match="not valid"):
        validate_exchange(
            "asana", httpx.Response(200, json={"data": broken}, request=request), server=f"{SERVER}/api/1.0"
        )
