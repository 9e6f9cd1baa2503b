"""Admin webhooks: the signature vector, real deliveries that verify, retries with a stable identifier, JQL
filters, and deliveries for every write path (API, control-API mutations)."""

from __future__ import annotations

import json

import httpx

from emulators.signing import jira_hub_signature, verify_jira_hub_signature
from tests.emulators.conftest import Receiver
from tests.emulators.jira.conftest import AUTH, project_keys
from tests.emulators.waiting import eventually

SECRET = "It's a Secret to Everybody"


def test_signature_matches_the_known_answer_vector() -> None:
    expected = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
    assert jira_hub_signature(SECRET, b"Hello World!") == expected


def register(http: httpx.Client, url: str, **extra: object) -> dict[str, object]:
    body = {
        "name": "baton",
        "url": url,
        "events": ["jira:issue_created", "jira:issue_updated", "comment_created"],
        **extra,
    }
    response = http.post("/rest/webhooks/1.0/webhook", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def first_key(http: httpx.Client, project: str) -> str:
    return str(
        http.get(
            "/rest/api/3/search/jql", params={"jql": f"project = {project}", "fields": "key", "maxResults": 1}
        ).json()["issues"][0]["key"]
    )


def test_a_comment_is_delivered_signed_and_verifies(fresh_jira_url: str, receiver: tuple[str, Receiver]) -> None:
    hook_url, seen = receiver
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH) as http:
        created = register(http, hook_url, secret=SECRET)
        assert "secret" not in created
        assert http.get("/rest/webhooks/1.0/webhook").json()[0]["url"] == hook_url
        key = first_key(http, project_keys(http)[0])
        assert http.post(f"/rest/api/3/issue/{key}/comment", json={"body": "Looks good"}).status_code == 201
        eventually(lambda: len(seen.requests) >= 2)
    events = {}
    for _, headers, body in seen.requests:
        assert verify_jira_hub_signature(SECRET, body, headers["x-hub-signature"])
        assert headers["user-agent"] == "Atlassian Webhook HTTP Client"
        assert "x-atlassian-webhook-retry" not in headers
        payload = json.loads(body)
        events[payload["webhookEvent"]] = payload
    assert set(events) == {"comment_created", "jira:issue_updated"}
    updated = events["jira:issue_updated"]
    assert updated["issue_event_type_name"] == "issue_commented"
    assert updated["comment"]["body"] == "Looks good"
    assert updated["issue"]["key"] == key
    assert isinstance(updated["timestamp"], int)
    assert updated["user"]["emailAddress"] == AUTH[0]
    identifiers = {h["x-atlassian-webhook-identifier"] for _, h, _ in seen.requests}
    assert len(identifiers) == 2


def test_retries_carry_the_same_identifier_and_a_retry_count(
    fresh_jira_url: str, receiver: tuple[str, Receiver]
) -> None:
    hook_url, seen = receiver
    seen.statuses.extend([503, 429, 200])
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH) as http:
        register(http, hook_url, secret=SECRET, events=["jira:issue_updated"])
        key = first_key(http, project_keys(http)[0])
        assert http.put(f"/rest/api/3/issue/{key}", json={"fields": {"summary": "Renamed"}}).status_code == 204
        eventually(lambda: len(seen.requests) >= 3)
        log = eventually(
            lambda: (d := http.get("/_emulator/webhooks/deliveries").json()["deliveries"]) and len(d) >= 3 and d
        )
    assert [(r["attempt"], r["status_code"], r["outcome"]) for r in log[:3]] == [
        (1, 503, "retrying"),
        (2, 429, "retrying"),
        (3, 200, "delivered"),
    ]
    headers = [h for _, h, _ in seen.requests[:3]]
    assert len({h["x-atlassian-webhook-identifier"] for h in headers}) == 1
    assert [h.get("x-atlassian-webhook-retry") for h in headers] == [None, "1", "2"]
    bodies = {b for _, _, b in seen.requests[:3]}
    assert len(bodies) == 1
    change = json.loads(bodies.pop())["changelog"]["items"][0]
    assert (change["field"], change["toString"]) == ("summary", "Renamed")


def test_a_4xx_is_not_retried(fresh_jira_url: str, receiver: tuple[str, Receiver]) -> None:
    hook_url, seen = receiver
    seen.statuses.append(400)
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH) as http:
        register(http, hook_url)
        http.post("/_emulator/mutations", json={"count": 1, "kinds": ["comment"]})
        log = eventually(lambda: (d := http.get("/_emulator/webhooks/deliveries").json()["deliveries"]) and d)
    assert log[0]["outcome"] == "failed"


def test_jql_filters_select_issues_and_mutations_fire_deliveries(
    fresh_jira_url: str, receiver: tuple[str, Receiver]
) -> None:
    hook_url, seen = receiver
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH) as http:
        keys = project_keys(http)
        register(http, hook_url, filters={"issue-related-events-section": f"project = {keys[1]}"}, excludeBody=False)
        outside = first_key(http, keys[0])
        inside = first_key(http, keys[1])
        http.post(f"/rest/api/3/issue/{outside}/comment", json={"body": "ignored"})
        http.post(f"/rest/api/3/issue/{inside}/comment", json={"body": "delivered"})
        eventually(lambda: len(seen.requests) >= 2)
        assert {json.loads(b)["issue"]["key"] for _, _, b in seen.requests} == {inside}
        bad = http.post(
            "/rest/webhooks/1.0/webhook",
            json={
                "name": "x",
                "url": hook_url,
                "events": ["jira:issue_updated"],
                "filters": {"issue-related-events-section": "project = "},
            },
        )
        assert bad.status_code == 400
        webhook_id = http.get("/rest/webhooks/1.0/webhook").json()[0]["self"].rsplit("/", 1)[1]
        assert http.delete(f"/rest/webhooks/1.0/webhook/{webhook_id}").status_code == 204
        register(http, hook_url)
        before = len(seen.requests)
        applied = http.post("/_emulator/mutations", json={"count": 3, "kinds": ["comment", "reassign"]}).json()
        expected = sum(2 if m["kind"] == "comment" else 1 for m in applied["applied"])
        eventually(lambda: len(seen.requests) >= before + expected)
