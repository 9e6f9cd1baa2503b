"""The official asana 5.4.0 SDK against the emulator, unmodified: paging, stories, the events API and a
webhook whose handshake and signed deliveries a real receiver handles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import asana
import httpx
import pytest
from asana.rest import ApiException

from emulators.asana import build_app
from emulators.server import running_server
from tests.emulators.asana.conftest import ITEMS, TOKEN, HookReceiver, asana_config
from tests.emulators.waiting import eventually


@pytest.fixture
def served() -> Iterator[tuple[str, asana.ApiClient]]:
    """The emulator URL and an SDK client configured for it, exactly as a connector would."""
    with running_server(build_app(asana_config())) as url:
        cfg = asana.Configuration()
        cfg.host = url + "/api/1.0"
        cfg.access_token = TOKEN
        yield url, asana.ApiClient(cfg)


def workspace_and_projects(client: asana.ApiClient) -> tuple[str, list[dict[str, Any]]]:
    workspace = next(iter(asana.WorkspacesApi(client).get_workspaces({})))["gid"]
    return workspace, list(asana.ProjectsApi(client).get_projects({"workspace": workspace}))


def test_the_sdk_pages_every_task_of_every_project(served: tuple[str, asana.ApiClient]) -> None:
    _, client = served
    _, projects = workspace_and_projects(client)
    tasks_api = asana.TasksApi(client)
    gids: list[str] = []
    for project in projects:
        opts = {"project": project["gid"], "opt_fields": "name,modified_at,memberships.section.name"}
        tasks = list(tasks_api.get_tasks(opts))
        assert opts["limit"] == 100  # the SDK injects its page size into the caller's opts
        assert all(t["memberships"][0]["section"]["name"] for t in tasks)
        gids += [t["gid"] for t in tasks]
    assert len(gids) == ITEMS
    assert len(set(gids)) == ITEMS


def test_the_sdk_reads_stories_from_the_generated_history(served: tuple[str, asana.ApiClient]) -> None:
    _, client = served
    _, projects = workspace_and_projects(client)
    tasks = list(asana.TasksApi(client).get_tasks({"project": projects[0]["gid"], "limit": 20}))
    subtypes: set[str] = set()
    for task in tasks:
        stories = list(asana.StoriesApi(client).get_stories_for_task(task["gid"], {"opt_fields": "created_at,text"}))
        assert stories, "every task has at least its added_to_project story"
        assert stories == sorted(stories, key=lambda s: s["created_at"])
        full = list(asana.StoriesApi(client).get_stories_for_task(task["gid"], {}))
        subtypes |= {s["resource_subtype"] for s in full}
    assert {"added_to_project", "section_changed", "assigned", "comment_added"} <= subtypes


def test_the_sdk_drives_the_events_api(served: tuple[str, asana.ApiClient]) -> None:
    url, client = served
    _, projects = workspace_and_projects(client)
    project = projects[0]["gid"]
    events_api = asana.EventsApi(client)
    with pytest.raises(ApiException) as first:
        events_api.get_events(project, {}, full_payload=True)
    assert first.value.status == 412
    sync = json.loads(first.value.body)["sync"]
    quiet = events_api.get_events(project, {"sync": sync, "limit": 100}, full_payload=True)
    assert (quiet["data"], quiet["has_more"]) == ([], False)

    tasks = list(asana.TasksApi(client).get_tasks({"project": project, "limit": 60}, item_limit=60))
    with httpx.Client(base_url=f"{url}/api/1.0", headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        for n, task in enumerate(tasks):
            assert api.put(f"/tasks/{task['gid']}", json={"data": {"name": f"Renamed {n}"}}).is_success
    # each rename is a `changed` event on the task plus an `added` name_changed story: 120 events
    batches = []
    sync = quiet["sync"]
    while True:
        batch = events_api.get_events(project, {"sync": sync}, full_payload=True)
        batches.append(batch)
        sync = batch["sync"]
        if not batch["has_more"]:
            break
    assert [len(b["data"]) for b in batches] == [100, 20]
    renames = [e for b in batches for e in b["data"] if e["action"] == "changed"]
    assert [e["change"]["new_value"] for e in renames] == [f"Renamed {n}" for n in range(60)]
    assert {e["resource"]["gid"] for e in renames} == {t["gid"] for t in tasks}
    again = events_api.get_events(project, {"sync": sync}, full_payload=True)
    assert again["data"] == []


def test_the_sdk_creates_a_webhook_whose_deliveries_verify(
    served: tuple[str, asana.ApiClient], hook_receiver: tuple[str, HookReceiver]
) -> None:
    url, client = served
    target, receiver = hook_receiver
    workspace, projects = workspace_and_projects(client)
    project = projects[1]["gid"]
    webhook = asana.WebhooksApi(client).create_webhook({"data": {"resource": project, "target": target}}, {})
    assert receiver.handshakes == 1
    assert receiver.secret is not None
    assert (webhook["resource"]["gid"], webhook["target"], webhook["active"]) == (project, target, True)

    task = next(iter(asana.TasksApi(client).get_tasks({"project": project, "limit": 5})))
    asana.TasksApi(client).update_task({"data": {"completed": True}}, task["gid"], {})
    events = eventually(lambda: [e for e in receiver.events() if e["action"] == "changed"])
    assert events[0]["resource"]["gid"] == task["gid"]
    assert events[0]["change"]["field"] == "completed"
    assert all(ok for _, ok in receiver.deliveries)
    other_project = projects[0]["gid"]
    other = next(iter(asana.TasksApi(client).get_tasks({"project": other_project, "limit": 1})))
    with httpx.Client(base_url=f"{url}/api/1.0", headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        api.put(f"/tasks/{other['gid']}", json={"data": {"name": "elsewhere"}})
        api.put(f"/tasks/{task['gid']}", json={"data": {"name": "here"}})
    eventually(lambda: any(e.get("change", {}).get("new_value") == "here" for e in receiver.events()))
    assert all(e["resource"]["gid"] != other["gid"] for e in receiver.events())
    listed = list(asana.WebhooksApi(client).get_webhooks(workspace, {}))
    assert [w["gid"] for w in listed] == [webhook["gid"]]
