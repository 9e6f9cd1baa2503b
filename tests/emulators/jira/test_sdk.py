"""The real `jira` 3.10.5 SDK, unmodified, against the emulator over HTTP."""

from __future__ import annotations

import json

import httpx
from jira import JIRA

from emulators.signing import verify_jira_hub_signature
from tests.emulators.conftest import Receiver
from tests.emulators.jira.conftest import AUTH, ITEMS
from tests.emulators.waiting import eventually

SECRET = "sdk-secret"


def connect(url: str) -> JIRA:
    return JIRA(server=url, basic_auth=AUTH, options={"rest_api_version": "3"}, max_retries=0)


def test_enhanced_search_returns_every_issue_exactly_once(jira_url: str) -> None:
    jira = connect(jira_url)
    keys = ", ".join(p.key for p in jira.projects())
    issues = jira.enhanced_search_issues(f"project in ({keys}) ORDER BY created DESC", maxResults=False)
    ids = [issue.id for issue in issues]
    assert len(ids) == ITEMS
    assert len(set(ids)) == ITEMS
    assert any(issue.fields.issuetype.subtask for issue in issues)
    created = [issue.fields.created for issue in issues]
    assert created == sorted(created, reverse=True)


def test_fields_projects_boards_and_sprints(jira_url: str) -> None:
    jira = connect(jira_url)
    fields = jira.fields()
    story_points = [
        f for f in fields if f.get("schema", {}).get("custom") == "com.pyxis.greenhopper.jira:jsw-story-points"
    ]
    sprint = [f for f in fields if f.get("schema", {}).get("custom") == "com.pyxis.greenhopper.jira:gh-sprint"]
    assert len(story_points) == 1
    assert len(sprint) == 1
    assert story_points[0]["id"] not in ("customfield_10016", "customfield_10026", "customfield_10028")
    projects = jira.projects()
    boards = jira.boards()
    assert len(boards) == len(projects) >= 4
    sprints = jira.sprints(boards[0].id)
    states = [s.state for s in sprints]
    assert states.count("active") == 1
    assert states.count("future") == 2
    assert states.count("closed") == 26


def test_issue_with_changelog(jira_url: str) -> None:
    jira = connect(jira_url)
    keys = ", ".join(p.key for p in jira.projects())
    done = jira.enhanced_search_issues(f"project in ({keys}) AND statusCategory = Done", maxResults=5, fields="key")
    issue = jira.issue(done[0].key, expand="changelog")
    histories = issue.changelog.histories
    assert histories
    statuses = [i.toString for h in histories for i in h.items if i.field == "status"]
    assert statuses[-1] == issue.fields.status.name
    assert issue.fields.resolution is not None


def test_transition_changes_status_visible_in_search_and_fires_a_webhook(
    fresh_jira_url: str, receiver: tuple[str, Receiver]
) -> None:
    hook_url, seen = receiver
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH) as http:
        created = http.post(
            "/rest/webhooks/1.0/webhook",
            json={"name": "sdk", "url": hook_url, "events": ["jira:issue_updated"], "secret": SECRET},
        )
        assert created.status_code == 201
    jira = connect(fresh_jira_url)
    key = jira.projects()[0].key
    issue = jira.enhanced_search_issues(f"project = {key} AND status = 'To Do'", maxResults=1)[0]
    names = {t["name"]: t["id"] for t in jira.transitions(issue)}
    assert "In Progress" in names
    assert "To Do" not in names
    jira.transition_issue(issue, "In Progress")
    after = jira.enhanced_search_issues(f"key = {issue.key}", fields="status")
    assert after[0].fields.status.name == "In Progress"
    in_progress = jira.enhanced_search_issues(
        f"project = {key} AND status = 'In Progress'", maxResults=False, fields="key"
    )
    assert issue.key in {i.key for i in in_progress}
    _, headers, body = eventually(lambda: seen.requests and seen.requests[-1])
    assert verify_jira_hub_signature(SECRET, body, headers["x-hub-signature"])
    payload = json.loads(body)
    assert payload["webhookEvent"] == "jira:issue_updated"
    assert payload["issue_event_type_name"] == "issue_generic"
    assert payload["issue"]["key"] == issue.key
    change = next(i for i in payload["changelog"]["items"] if i["field"] == "status")
    assert change["toString"] == "In Progress"
