"""Auth, rate limits and faults over HTTP, in Jira's shapes."""

from __future__ import annotations

import base64
from datetime import datetime

import httpx

from emulators.jira import build_app
from emulators.jira.ratelimit import BURST_CAPACITY
from emulators.server import running_server
from tests.emulators.jira.conftest import AUTH, TOKEN, jira_config


def test_requests_without_valid_credentials_get_401_with_jiras_body(jira_url: str) -> None:
    wrong = base64.b64encode(b"baton@example.com:wrong").decode()
    for headers in (
        {},
        {"Authorization": f"Basic {wrong}"},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic !!"},
    ):
        response = httpx.get(f"{jira_url}/rest/api/3/myself", headers=headers)
        assert response.status_code == 401
        assert response.json() == {
            "errorMessages": ["Client must be authenticated to access this resource."],
            "errors": {},
        }
    assert httpx.get(f"{jira_url}/rest/api/3/myself", auth=AUTH).status_code == 200
    assert httpx.get(f"{jira_url}/rest/api/3/myself", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert httpx.get(f"{jira_url}/rest/api/3/serverInfo").json()["deploymentType"] == "Cloud"  # anonymous, as on Cloud


def test_burst_limit_answers_429_with_jiras_headers_per_endpoint_and_method() -> None:
    with running_server(build_app(jira_config(rate_limit=True))) as url, httpx.Client(base_url=url, auth=AUTH) as http:
        http.post("/_emulator/clock", json={"freeze": True})
        statuses = [http.get("/rest/api/3/myself").status_code for _ in range(BURST_CAPACITY)]
        assert set(statuses) == {200}
        refused = http.get("/rest/api/3/myself")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["X-RateLimit-Limit"] == str(BURST_CAPACITY)
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert refused.headers["RateLimit-Reason"] == "jira-burst-based"
        datetime.fromisoformat(refused.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
        assert refused.json()["errorMessages"]
        assert http.get("/rest/api/3/field").status_code == 200  # another endpoint family has its own bucket
        http.post("/_emulator/clock", json={"advance_seconds": 1})
        assert http.get("/rest/api/3/myself").status_code == 200  # the bucket refills on the emulator clock
        http.put("/_emulator/rate-limit", json={"enabled": False})
        assert all(http.get("/rest/api/3/myself").status_code == 200 for _ in range(BURST_CAPACITY + 5))


def test_rate_limit_off_by_default(jira_url: str) -> None:
    with httpx.Client(base_url=jira_url, auth=AUTH) as http:
        assert all(http.get("/rest/api/3/statuscategory").status_code == 200 for _ in range(BURST_CAPACITY + 5))


def test_injected_faults_use_jiras_error_body() -> None:
    with running_server(build_app(jira_config(faults="503=1"))) as url:
        response = httpx.get(f"{url}/rest/api/3/myself", auth=AUTH)
        assert response.status_code == 503
        assert "Retry-After" in response.headers
        assert set(response.json()) == {"errorMessages", "errors"}
        assert httpx.get(f"{url}/_emulator/health").status_code == 200


def test_unknown_issue_transition_and_bad_edits_are_400_or_404(fresh_jira_url: str) -> None:
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH) as http:
        assert http.get("/rest/api/3/issue/99999999").status_code == 404
        key = http.get(
            "/rest/api/3/search/jql",
            params={"jql": "key = " + http.get("/rest/api/3/project").json()[0]["key"] + "-1", "fields": "key"},
        ).json()["issues"][0]["key"]
        bad = http.post(f"/rest/api/3/issue/{key}/transitions", json={"transition": {"id": "999"}})
        assert bad.status_code == 400
        unknown = http.put(f"/rest/api/3/issue/{key}", json={"fields": {"nonsense": 1}})
        assert unknown.status_code == 400
        assert "nonsense" in unknown.json()["errors"]
        missing = http.post("/rest/api/3/issue", json={"fields": {"summary": "x"}})
        assert missing.status_code == 400
        assert {"project", "issuetype"} <= set(missing.json()["errors"])
