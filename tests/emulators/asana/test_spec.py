"""Every response type a connector uses matches Asana's published OpenAPI file (specs/asana_oas.yaml)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulators.asana.conftest import HookReceiver
from tests.emulators.spec_validation import validate_exchange

TASK_FIELDS = (
    "gid,resource_type,name,approval_status,assignee_status,completed,completed_at,completed_by,created_at,"
    "dependencies,dependents,due_at,due_on,external,hearted,hearts,html_notes,is_rendered_as_separator,liked,"
    "likes,memberships,modified_at,notes,num_hearts,num_likes,num_subtasks,resource_subtype,start_on,assignee,"
    "custom_fields,followers,parent,permalink_url,projects,tags,workspace,start_at,assignee_section,"
    "memberships.section.name,custom_fields.number_value,parent.name"
)
STORY_FIELDS = (
    "gid,resource_type,created_at,created_by,resource_subtype,text,html_text,is_pinned,assignee,hearted,hearts,"
    "is_edited,liked,likes,new_dates,new_name,new_number_value,new_section,num_hearts,num_likes,old_name,"
    "old_number_value,old_section,project,source,tag,target,custom_field,is_editable,type"
)


def check(api: httpx.Client, response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    validate_exchange("asana", response, server=str(api.base_url).rstrip("/"))
    body: dict[str, Any] = response.json()
    return body


def first_project(api: httpx.Client) -> str:
    return str(api.get("/projects").json()["data"][0]["gid"])


def test_workspaces_users_teams_and_projects_match_the_spec(api: httpx.Client) -> None:
    workspace = check(api, api.get("/workspaces"))["data"][0]["gid"]
    check(api, api.get(f"/workspaces/{workspace}"))
    check(api, api.get("/users/me"))
    users = check(api, api.get("/users", params={"workspace": workspace, "limit": 5}))
    assert users["next_page"]["offset"]
    check(api, api.get("/users", params={"workspace": workspace, "opt_fields": "name,email,workspaces"}))
    check(api, api.get(f"/users/{users['data'][0]['gid']}"))
    check(api, api.get(f"/workspaces/{workspace}/users"))
    team = check(api, api.get(f"/workspaces/{workspace}/teams"))["data"][0]["gid"]
    check(api, api.get(f"/teams/{team}"))
    check(api, api.get(f"/teams/{team}/users", params={"opt_fields": "gid,name,email"}))
    check(api, api.get("/projects", params={"workspace": workspace, "archived": "false"}))
    project = first_project(api)
    check(api, api.get(f"/projects/{project}"))
    project_fields = "name,owner,team,members,created_at"
    check(api, api.get("/projects", params={"workspace": workspace, "opt_fields": project_fields}))
    check(api, api.get("/tags", params={"workspace": workspace, "opt_fields": "name,color,created_at,followers"}))
    check(api, api.get("/portfolios", params={"workspace": workspace, "owner": "me"}))


def test_sections_and_custom_fields_match_the_spec(api: httpx.Client) -> None:
    project = first_project(api)
    sections = check(api, api.get(f"/projects/{project}/sections"))["data"]
    assert [s["name"] for s in sections][:2] == ["Backlog", "To Do"]
    check(api, api.get(f"/sections/{sections[0]['gid']}"))
    settings = check(api, api.get(f"/projects/{project}/custom_field_settings"))["data"]
    estimate = settings[0]["custom_field"]
    assert (estimate["name"], estimate["resource_subtype"]) == ("Story Points", "number")
    check(api, api.get(f"/custom_fields/{estimate['gid']}"))


def test_task_counts_match_the_spec_and_the_listing(api: httpx.Client) -> None:
    project = api.get("/projects").json()["data"][0]["gid"]
    assert check(api, api.get(f"/projects/{project}/task_counts"))["data"] == {}  # every field is opt-in
    fields = "num_tasks,num_completed_tasks,num_incomplete_tasks,num_milestones"
    counts = check(api, api.get(f"/projects/{project}/task_counts", params={"opt_fields": fields}))["data"]
    listed = api.get("/tasks", params={"project": project, "limit": 100, "opt_fields": "completed"}).json()
    tasks = listed["data"]
    while listed["next_page"]:
        listed = api.get(
            "/tasks",
            params={
                "project": project,
                "limit": 100,
                "opt_fields": "completed",
                "offset": listed["next_page"]["offset"],
            },
        ).json()
        tasks += listed["data"]
    completed = sum(1 for task in tasks if task["completed"])
    assert counts == {
        "num_tasks": len(tasks),
        "num_completed_tasks": completed,
        "num_incomplete_tasks": len(tasks) - completed,
        "num_milestones": 0,
    }
    check(api, api.get("/projects/1/task_counts", params={"opt_fields": "num_tasks"}), status=404)


def test_task_lists_tasks_subtasks_and_stories_match_the_spec(api: httpx.Client) -> None:
    project = first_project(api)
    page = check(api, api.get("/tasks", params={"project": project, "limit": 10, "opt_fields": TASK_FIELDS}))
    assert page["next_page"]["path"].startswith("/tasks?")
    check(api, api.get(page["next_page"]["path"]))
    check(api, api.get(f"/projects/{project}/tasks", params={"limit": 5}))
    epic = page["data"][0]
    assert epic["num_subtasks"] > 0
    check(api, api.get(f"/tasks/{epic['gid']}"))
    check(api, api.get(f"/tasks/{epic['gid']}/subtasks", params={"limit": 100, "opt_fields": TASK_FIELDS}))
    task = page["data"][1]["gid"]
    check(api, api.get(f"/tasks/{task}/stories"))
    check(api, api.get(f"/tasks/{task}/stories", params={"limit": 100, "opt_fields": STORY_FIELDS}))


def test_writes_match_the_spec(api: httpx.Client) -> None:
    project = first_project(api)
    created = check(api, api.post("/tasks", json={"data": {"name": "New", "projects": [project]}}), 201)["data"]
    check(api, api.put(f"/tasks/{created['gid']}", json={"data": {"completed": True, "due_on": "2025-07-01"}}))
    check(api, api.post(f"/tasks/{created['gid']}/stories", json={"data": {"text": "hello"}}), 201)
    other = check(api, api.post("/tasks", json={"data": {"name": "Other", "projects": [project]}}), 201)["data"]
    deps = {"data": {"dependencies": [other["gid"]]}}
    check(api, api.post(f"/tasks/{created['gid']}/addDependencies", json=deps))
    check(api, api.get(f"/tasks/{created['gid']}/dependencies"))
    section = api.get(f"/projects/{project}/sections").json()["data"][2]["gid"]
    check(api, api.post(f"/sections/{section}/addTask", json={"data": {"task": other["gid"]}}))
    check(api, api.delete(f"/tasks/{other['gid']}"))


def test_events_and_their_412_match_the_spec(api: httpx.Client) -> None:
    project = first_project(api)
    stale = check(api, api.get("/events", params={"resource": project}), 412)
    assert stale["sync"]
    task = api.get("/tasks", params={"project": project, "limit": 3}).json()["data"][2]["gid"]
    api.put(f"/tasks/{task}", json={"data": {"name": "Renamed", "completed": True}})
    events = check(api, api.get("/events", params={"resource": project, "sync": stale["sync"]}))
    assert events["data"]
    assert events["has_more"] is False


def test_webhooks_match_the_spec(api: httpx.Client, hook_receiver: tuple[str, HookReceiver]) -> None:
    target, _ = hook_receiver
    project = first_project(api)
    created = check(api, api.post("/webhooks", json={"data": {"resource": project, "target": target}}), 201)["data"]
    workspace = api.get("/workspaces").json()["data"][0]["gid"]
    check(api, api.get("/webhooks", params={"workspace": workspace}))
    check(api, api.get(f"/webhooks/{created['gid']}"))
    filters = {"data": {"filters": [{"resource_type": "task", "action": "changed", "fields": ["completed"]}]}}
    check(api, api.put(f"/webhooks/{created['gid']}", json=filters))
    check(api, api.delete(f"/webhooks/{created['gid']}"))


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/tasks", {}, 400),
        ("/tasks", {"project": "1203000000000000", "limit": 500}, 400),
        ("/tasks/1205999999999999", {}, 404),
        ("/projects/12", {}, 404),
    ],
)
def test_errors_match_the_spec(api: httpx.Client, path: str, params: dict[str, str | int], status: int) -> None:
    body = check(api, api.get(path, params=params), status)
    assert body["errors"][0]["message"]
    assert body["errors"][0]["help"]


def test_401_matches_the_spec(api: httpx.Client) -> None:
    response = api.get("/workspaces", headers={"Authorization": "Bearer wrong"})
    assert check(api, response, 401)["errors"][0]["message"] == "Not Authorized"
