"""The Asana API over HTTP: paging, opt_fields, filters, hierarchy, stories, writes, auth and errors, checked
against the generated organisation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulators.asana import build_app
from emulators.asana.hierarchy import Hierarchy
from emulators.org.model import EventKind, Item, StatusCategory, Vendor
from emulators.runtime import EmulatorRuntime
from emulators.server import running_server
from tests.emulators.asana.conftest import ITEMS, NOW, TOKEN, asana_config


@pytest.fixture(scope="module")
def runtime() -> EmulatorRuntime:
    """The same organisation the served emulator has (for brute-force expectations)."""
    return EmulatorRuntime(asana_config(), Vendor.ASANA)


def all_items(runtime: EmulatorRuntime) -> list[Item]:
    return [item for team in runtime.store.teams for item in runtime.store.iter_team(team)]


def collect(api: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Follow next_page until null; every page answers 200."""
    found: list[dict[str, Any]] = []
    query = {**params, "limit": params.get("limit", 100)}
    while True:
        response = api.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        found += body["data"]
        if body["next_page"] is None:
            return found
        query = {**query, "offset": body["next_page"]["offset"]}


def projects(api: httpx.Client) -> list[str]:
    return [p["gid"] for p in api.get("/projects").json()["data"]]


def test_pages_cover_every_task_once_in_order(api: httpx.Client, runtime: EmulatorRuntime) -> None:
    gids = [t["gid"] for p in projects(api) for t in collect(api, "/tasks", {"project": p, "limit": 7})]
    assert gids == [item.external_id for item in all_items(runtime)]
    assert len(gids) == ITEMS


def test_next_page_carries_offset_path_and_uri(api: httpx.Client) -> None:
    body = api.get("/tasks", params={"project": projects(api)[0], "limit": 2}).json()
    following = body["next_page"]
    assert following["path"].startswith("/tasks?project=")
    assert following["offset"] in following["path"]
    assert following["uri"] == f"{api.base_url}".rstrip("/") + following["path"]
    assert api.get(following["uri"]).json()["data"][0]["gid"] != body["data"][0]["gid"]


@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_limit_must_be_1_to_100(api: httpx.Client, limit: str) -> None:
    response = api.get("/tasks", params={"project": projects(api)[0], "limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()["errors"][0]["message"]


def test_offsets_are_opaque_and_bound_to_their_collection(api: httpx.Client) -> None:
    first, second = projects(api)[:2]
    offset = api.get("/tasks", params={"project": first, "limit": 5}).json()["next_page"]["offset"]
    for params in ({"project": second, "offset": offset}, {"project": first, "offset": "forged"}):
        response = api.get("/tasks", params={**params, "limit": 5})
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == "offset: Your pagination token is invalid."


def test_without_limit_small_collections_come_whole_and_large_ones_are_refused() -> None:
    with (
        running_server(build_app(asana_config(items=5000))) as url,
        httpx.Client(base_url=f"{url}/api/1.0", headers={"Authorization": f"Bearer {TOKEN}"}) as api,
    ):
        workspace = api.get("/workspaces").json()["data"][0]["gid"]
        users = api.get("/users", params={"workspace": workspace}).json()
        assert "next_page" not in users
        assert users["data"] == collect(api, "/users", {"workspace": workspace, "limit": 10})
        sizes = {p["gid"]: p for p in api.get("/projects").json()["data"]}
        refused = 0
        for gid in sizes:
            response = api.get("/tasks", params={"project": gid})
            if response.status_code == 400:
                refused += 1
                assert "The result is too large" in response.json()["errors"][0]["message"]
            else:
                assert "next_page" not in response.json()
        assert refused > 0


def test_nested_opt_fields_match_the_generated_items(api: httpx.Client, runtime: EmulatorRuntime) -> None:
    fields = "name,completed,memberships.section.name,custom_fields.number_value,custom_fields.name,parent.name"
    tasks = collect(api, "/tasks", {"project": projects(api)[1], "opt_fields": fields})
    for task in tasks:
        item = runtime.store.get(runtime.store.find(task["gid"]) or -1)
        assert item is not None
        assert set(task) == {"gid", "name", "completed", "memberships", "custom_fields", "parent"}
        assert task["memberships"] == [
            {"section": {"gid": task["memberships"][0]["section"]["gid"], "name": item.status}}
        ]
        assert task["completed"] is not item.status_category.is_open
        points = {f["name"]: f.get("number_value") for f in task["custom_fields"]}["Story Points"]
        assert points == item.estimate
        parent = runtime.store.get(item.parent) if item.parent is not None else None
        assert task["parent"] == (None if parent is None else {"gid": parent.external_id, "name": parent.title})


def test_filters_agree_with_the_generated_data(api: httpx.Client, runtime: EmulatorRuntime) -> None:
    items = all_items(runtime)
    project = projects(api)[0]
    sections = api.get(f"/projects/{project}/sections").json()["data"]
    in_progress = next(s for s in sections if s["name"] == "In Progress")
    got = collect(api, f"/sections/{in_progress['gid']}/tasks", {})
    assert [t["gid"] for t in got] == [i.external_id for i in items if i.team == 0 and i.status == "In Progress"]
    assert collect(api, "/tasks", {"section": in_progress["gid"]}) == got

    person = next(i.assignee for i in items if i.assignee is not None)
    workspace = api.get("/workspaces").json()["data"][0]["gid"]
    user = api.get(f"/users/{runtime.org.person(person).email}").json()["data"]["gid"]
    mine = collect(api, "/tasks", {"assignee": user, "workspace": workspace})
    assert [t["gid"] for t in mine] == [i.external_id for i in items if i.assignee == person]

    open_only = collect(api, "/tasks", {"project": project, "completed_since": "now"})
    assert [t["gid"] for t in open_only] == [i.external_id for i in items if i.team == 0 and i.status_category.is_open]

    since = NOW.timestamp() - 5 * 86400
    recent = collect(api, "/tasks", {"project": project, "modified_since": "2025-05-28T09:00:00.000Z"})
    assert [t["gid"] for t in recent] == [i.external_id for i in items if i.team == 0 and i.updated_at >= since]

    tag = next(t for t in api.get("/tags", params={"workspace": workspace}).json()["data"] if t["name"] == "blocked")
    tagged = collect(api, f"/tags/{tag['gid']}/tasks", {})
    assert [t["gid"] for t in tagged] == [i.external_id for i in items if "blocked" in i.labels]


def test_modified_since_after_now_lists_only_written_tasks(api: httpx.Client) -> None:
    project = projects(api)[2]
    tasks = api.get("/tasks", params={"project": project, "limit": 4}).json()["data"]
    for task in tasks[1:3]:
        assert api.put(f"/tasks/{task['gid']}", json={"data": {"name": "touched"}}).is_success
    changed = collect(api, "/tasks", {"project": project, "modified_since": "2025-06-02T09:00:00Z"})
    assert [t["gid"] for t in changed] == [t["gid"] for t in tasks[1:3]]


def test_subtasks_are_the_items_whose_parent_is_the_task(api: httpx.Client, runtime: EmulatorRuntime) -> None:
    items = all_items(runtime)
    parents = {i.parent for i in items if i.parent is not None}
    for parent in sorted(parents)[:6]:
        gid = runtime.store.get(parent).external_id  # type: ignore[union-attr]
        children = collect(api, f"/tasks/{gid}/subtasks", {"opt_fields": "parent"})
        assert [c["gid"] for c in children] == [i.external_id for i in items if i.parent == parent]
        assert all(c["parent"]["gid"] == gid for c in children)
        assert api.get(f"/tasks/{gid}", params={"opt_fields": "num_subtasks"}).json()["data"]["num_subtasks"] == len(
            children
        )


def test_layout_parents_equal_generated_parents(runtime: EmulatorRuntime) -> None:
    hierarchy = Hierarchy(runtime.store)
    assert [hierarchy.generated_parent(i.index) for i in all_items(runtime)] == [i.parent for i in all_items(runtime)]


def test_stories_render_the_history(api: httpx.Client, runtime: EmulatorRuntime) -> None:
    for item in all_items(runtime)[:40]:
        history = runtime.store.history(item.index)
        stories = collect(api, f"/tasks/{item.external_id}/stories", {"opt_fields": "resource_subtype,text,type"})
        comments = [s["text"] for s in stories if s["resource_subtype"] == "comment_added"]
        assert comments == [e.after for e in history if e.kind is EventKind.COMMENT]
        assert all(s["type"] == "comment" for s in stories if s["resource_subtype"] == "comment_added")
        moves = [s for s in stories if s["resource_subtype"] == "section_changed"]
        assert len(moves) == sum(1 for e in history if e.kind is EventKind.STATUS)
        done = [e for e in history if e.kind is EventKind.STATUS and e.after in ("Done", "Won't Do")]
        assert sum(1 for s in stories if s["resource_subtype"] == "marked_complete") >= (1 if done else 0)


def test_task_writes_change_what_reads_return(api: httpx.Client) -> None:
    project = projects(api)[0]
    before = len(collect(api, "/tasks", {"project": project}))
    sections = {s["name"]: s["gid"] for s in api.get(f"/projects/{project}/sections").json()["data"]}
    settings = api.get(f"/projects/{project}/custom_field_settings").json()["data"]
    points = next(s["custom_field"]["gid"] for s in settings if s["custom_field"]["name"] == "Story Points")
    me = api.get("/users/me").json()["data"]["gid"]
    body = {"name": "Write the emulator", "memberships": [{"project": project, "section": sections["In Progress"]}]}
    created = api.post("/tasks", json={"data": {**body, "assignee": "me", "custom_fields": {points: 3}}})
    assert created.status_code == 201
    task = created.json()["data"]
    assert (task["assignee"]["gid"], task["memberships"][0]["section"]["name"]) == (me, "In Progress")
    assert len(collect(api, "/tasks", {"project": project})) == before + 1

    update = {"completed": True, "due_on": "2025-07-01", "name": "Wrote it", "custom_fields": {points: 5}}
    updated = api.put(f"/tasks/{task['gid']}", json={"data": {**update, "assignee": None}}).json()["data"]
    assert updated["completed"] is True
    assert updated["completed_at"]
    assert (updated["due_on"], updated["name"], updated["assignee"]) == ("2025-07-01", "Wrote it", None)
    assert updated["memberships"][0]["section"]["name"] == "Done"
    assert {f["name"]: f.get("number_value") for f in updated["custom_fields"]}["Story Points"] == 5

    assert api.post(f"/sections/{sections['Backlog']}/addTask", json={"data": {"task": task["gid"]}}).is_success
    moved = api.get(f"/tasks/{task['gid']}", params={"opt_fields": "completed,memberships.section.name"}).json()
    assert moved["data"] == {
        "gid": task["gid"],
        "completed": False,
        "memberships": [{"section": {"gid": sections["Backlog"], "name": "Backlog"}}],
    }

    other = api.post("/tasks", json={"data": {"name": "Blocker", "projects": [project]}}).json()["data"]
    deps = {"data": {"dependencies": [other["gid"]]}}
    assert api.post(f"/tasks/{task['gid']}/addDependencies", json=deps).is_success
    assert [d["gid"] for d in api.get(f"/tasks/{task['gid']}/dependencies").json()["data"]] == [other["gid"]]
    assert [d["gid"] for d in api.get(f"/tasks/{other['gid']}/dependents").json()["data"]] == [task["gid"]]

    sub = api.post(f"/tasks/{task['gid']}/subtasks", json={"data": {"name": "Part one"}}).json()["data"]
    assert [s["gid"] for s in api.get(f"/tasks/{task['gid']}/subtasks").json()["data"]] == [sub["gid"]]
    stories = api.get(f"/tasks/{task['gid']}/stories").json()["data"]
    assert [s["resource_subtype"] for s in stories] == [
        "added_to_project",
        "name_changed",
        "unassigned",
        "due_date_changed",
        "number_custom_field_changed",
        "section_changed",
        "marked_complete",
        "section_changed",
        "marked_incomplete",
    ]

    assert api.delete(f"/tasks/{task['gid']}").json() == {"data": {}}
    assert api.get(f"/tasks/{task['gid']}").status_code == 404
    assert len(collect(api, "/tasks", {"project": project})) == before + 2  # the blocker and the subtask remain


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x"}, "workspace: Missing input"),
        ({"name": "x", "projects": ["1203000000000099"]}, "project: Unknown object: 1203000000000099"),
        ({"name": "x", "projects": ["1203000000000000"], "custom_fields": {"1": 2}}, "custom_fields: Unknown"),
    ],
)
def test_bad_writes_are_asana_errors(api: httpx.Client, body: dict[str, Any], message: str) -> None:
    response = api.post("/tasks", json={"data": body})
    assert response.status_code in (400, 404)
    assert response.json()["errors"][0]["message"].startswith(message)


def test_auth_pat_and_oauth_refresh(asana_url: str) -> None:
    with httpx.Client(base_url=asana_url) as client:
        assert client.get("/api/1.0/users/me").status_code == 401
        assert client.get("/api/1.0/users/me", headers={"Authorization": "Bearer nope"}).status_code == 401
        grant = {"grant_type": "refresh_token", "refresh_token": "emulator-refresh-token", "client_id": "c"}
        token = client.post("/-/oauth_token", data=grant)
        assert token.status_code == 200
        issued = token.json()
        assert (issued["token_type"], issued["expires_in"], issued["refresh_token"]) == (
            "bearer",
            3600,
            "emulator-refresh-token",
        )
        bearer = {"Authorization": f"Bearer {issued['access_token']}"}
        assert client.get("/api/1.0/users/me", headers=bearer).status_code == 200
        refused = client.post("/-/oauth_token", data={**grant, "refresh_token": "stolen"})
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
        client.post("/_emulator/clock", json={"advance_seconds": 3601})
        assert client.get("/api/1.0/users/me", headers=bearer).status_code == 401
        assert client.get("/api/1.0/users/me", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_unknown_routes_answer_with_asana_errors(api: httpx.Client) -> None:
    response = api.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "Not Found"


def test_items_are_all_in_projects_and_statuses_are_sections(runtime: EmulatorRuntime) -> None:
    items = all_items(runtime)
    assert len(items) == ITEMS
    closed = [i for i in items if not i.status_category.is_open]
    assert {i.status_category for i in closed} <= {StatusCategory.DONE, StatusCategory.CANCELLED}


@pytest.fixture
def api_clock(asana_url: str) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with (
        httpx.Client(base_url=f"{asana_url}/api/1.0", headers={"Authorization": f"Bearer {TOKEN}"}) as api,
        httpx.Client(base_url=asana_url) as control,
    ):
        yield api, control


def test_every_kind_of_write_reaches_the_events_api(api_clock: tuple[httpx.Client, httpx.Client]) -> None:
    api, control = api_clock
    tokens = {p: api.get("/events", params={"resource": p}).json()["sync"] for p in projects(api)}
    applied = control.post("/_emulator/mutations", json={"count": 30}).json()["applied"]
    seen: set[str] = set()
    for project, token in tokens.items():
        body = api.get("/events", params={"resource": project, "sync": token}).json()
        seen |= {e["resource"]["gid"] for e in body["data"]} | {
            e["parent"]["gid"] for e in body["data"] if e.get("parent")
        }
    assert {m["id"] for m in applied} <= seen
    task = applied[0]["id"]
    task_token = api.get("/events", params={"resource": task}).json()["sync"]
    api.post(f"/tasks/{task}/stories", json={"data": {"text": "ping"}})
    story_events = api.get("/events", params={"resource": task, "sync": task_token}).json()["data"]
    assert [(e["action"], e["resource"]["resource_type"], e["parent"]["gid"]) for e in story_events] == [
        ("added", "story", task)
    ]


def test_sync_tokens_expire_after_24_hours_of_emulated_time(api_clock: tuple[httpx.Client, httpx.Client]) -> None:
    api, control = api_clock
    project = projects(api)[0]
    token = api.get("/events", params={"resource": project}).json()["sync"]
    control.post("/_emulator/clock", json={"advance_seconds": 23 * 3600})
    fresh = api.get("/events", params={"resource": project, "sync": token})
    assert fresh.status_code == 200
    control.post("/_emulator/clock", json={"advance_seconds": 3600 + 1})
    expired = api.get("/events", params={"resource": project, "sync": token})
    assert expired.status_code == 412
    assert expired.json()["errors"][0]["message"].startswith("Sync token invalid or too old")
    renewed = expired.json()["sync"]
    assert renewed != token
    assert api.get("/events", params={"resource": project, "sync": renewed}).status_code == 200
    assert api.get("/events", params={"resource": project, "sync": "made-up-token"}).status_code == 412
    assert api.get("/events", params={"resource": "1205999999999999"}).status_code == 400
