"""Every response a connector reads validates against Atlassian's published OpenAPI files."""

from __future__ import annotations

import httpx
import pytest

from tests.emulators.jira.conftest import all_project_jql, project_keys
from tests.emulators.spec_validation import validate_exchange


def check(response: httpx.Response, base_url: str, spec: str = "jira") -> dict[str, object] | list[object]:
    validate_exchange(spec, response, server=base_url)
    return response.json()  # type: ignore[no-any-return]


def first_issue_key(client: httpx.Client) -> str:
    page = client.get(
        "/rest/api/3/search/jql", params={"jql": all_project_jql(client), "fields": "key", "maxResults": 1}
    )
    return str(page.json()["issues"][0]["key"])


def busy_issue_key(client: httpx.Client) -> str:
    """An issue with comments and history (a finished story)."""
    jql = f"{all_project_jql(client)} AND statusCategory = Done"
    issues = client.get("/rest/api/3/search/jql", params={"jql": jql, "fields": "comment", "maxResults": 50}).json()
    return next(str(i["key"]) for i in issues["issues"] if i["fields"]["comment"]["total"] > 0)


@pytest.mark.parametrize(
    "path",
    [
        "/rest/api/3/serverInfo",
        "/rest/api/3/myself",
        "/rest/api/3/field",
        "/rest/api/3/status",
        "/rest/api/3/statuscategory",
    ],
)
def test_site_metadata_matches_the_spec(client: httpx.Client, jira_url: str, path: str) -> None:
    assert client.get(path).status_code == 200
    check(client.get(path), jira_url)


def test_projects_and_their_statuses_match_the_spec(client: httpx.Client, jira_url: str) -> None:
    page = check(
        client.get("/rest/api/3/project/search", params={"maxResults": 2, "expand": "description,lead"}), jira_url
    )
    assert isinstance(page, dict)
    assert page["isLast"] is False
    assert page["total"] == len(project_keys(client))
    check(client.get("/rest/api/3/project"), jira_url)
    statuses = check(client.get(f"/rest/api/3/project/{project_keys(client)[0]}/statuses"), jira_url)
    assert isinstance(statuses, list)
    assert statuses[0]["statuses"]


def test_search_pages_by_get_and_post_match_the_spec(client: httpx.Client, jira_url: str) -> None:
    jql = all_project_jql(client)
    first = check(
        client.get("/rest/api/3/search/jql", params={"jql": jql, "fields": "*all", "maxResults": 3}), jira_url
    )
    assert isinstance(first, dict)
    token = first["nextPageToken"]
    second = client.get(
        "/rest/api/3/search/jql", params={"jql": jql, "fields": "*all", "maxResults": 3, "nextPageToken": token}
    )
    check(second, jira_url)
    body = {"jql": jql, "fields": ["summary", "status", "updated"], "maxResults": 5, "expand": "changelog"}
    posted = check(client.post("/rest/api/3/search/jql", json=body), jira_url)
    assert isinstance(posted, dict)
    assert len(posted["issues"]) == 5
    count = check(client.post("/rest/api/3/search/approximate-count", json={"jql": jql}), jira_url)
    assert isinstance(count, dict)
    assert count["count"] > 0


def test_an_issue_with_its_changelog_comments_and_transitions_matches_the_spec(
    client: httpx.Client, jira_url: str
) -> None:
    key = busy_issue_key(client)
    issue = check(client.get(f"/rest/api/3/issue/{key}", params={"expand": "changelog"}), jira_url)
    assert isinstance(issue, dict)
    assert issue["changelog"]["histories"]
    changelog = check(client.get(f"/rest/api/3/issue/{key}/changelog", params={"maxResults": 2}), jira_url)
    assert isinstance(changelog, dict)
    assert changelog["values"]
    bulk = check(
        client.post("/rest/api/3/changelog/bulkfetch", json={"issueIdsOrKeys": [key, first_issue_key(client)]}),
        jira_url,
    )
    assert isinstance(bulk, dict)
    assert bulk["issueChangeLogs"]
    comments = check(client.get(f"/rest/api/3/issue/{key}/comment"), jira_url)
    assert isinstance(comments, dict)
    assert comments["total"] == len(comments["comments"]) > 0
    transitions = check(client.get(f"/rest/api/3/issue/{key}/transitions"), jira_url)
    assert isinstance(transitions, dict)
    assert transitions["transitions"]


def test_agile_responses_match_the_spec(client: httpx.Client, jira_url: str) -> None:
    boards = check(client.get("/rest/agile/1.0/board"), jira_url, "jira-agile")
    assert isinstance(boards, dict)
    board_id = boards["values"][0]["id"]
    configuration = check(client.get(f"/rest/agile/1.0/board/{board_id}/configuration"), jira_url, "jira-agile")
    assert isinstance(configuration, dict)
    story_points = next(
        f
        for f in client.get("/rest/api/3/field").json()
        if f.get("schema", {}).get("custom", "").endswith("jsw-story-points")
    )
    assert configuration["estimation"]["field"]["fieldId"] == story_points["id"]
    backlog = check(
        client.get(f"/rest/agile/1.0/board/{board_id}/backlog", params={"maxResults": 5}), jira_url, "jira-agile"
    )
    assert isinstance(backlog, dict)
    assert backlog["issues"]
    sprints = check(
        client.get(f"/rest/agile/1.0/board/{board_id}/sprint", params={"state": "active"}), jira_url, "jira-agile"
    )
    assert isinstance(sprints, dict)
    active = sprints["values"][0]["id"]
    issues = check(
        client.get(f"/rest/agile/1.0/sprint/{active}/issue", params={"maxResults": 5}), jira_url, "jira-agile"
    )
    assert isinstance(issues, dict)
    assert issues["total"] > 0
    check(client.get(f"/rest/agile/1.0/board/{board_id}/issue", params={"maxResults": 5}), jira_url, "jira-agile")


def test_error_responses_match_the_spec(client: httpx.Client, jira_url: str) -> None:
    bad_jql = client.get("/rest/api/3/search/jql", params={"jql": "project = "})
    assert bad_jql.status_code == 400
    check(bad_jql, jira_url)
    unknown_key = client.post("/rest/api/3/search/jql", json={"jql": all_project_jql(client), "startAt": 5})
    assert unknown_key.status_code == 400
    check(unknown_key, jira_url)
    anonymous = httpx.get(f"{jira_url}/rest/api/3/myself")
    assert anonymous.status_code == 401
    check(anonymous, jira_url)
    missing = client.get("/rest/api/3/issue/NOPE-1")
    assert missing.status_code == 404
    check(missing, jira_url)


def test_users_search_pages_a_plain_array_that_matches_the_spec(client: httpx.Client, jira_url: str) -> None:
    everyone = client.get("/rest/api/3/users/search", params={"maxResults": 1000})
    check(everyone, jira_url)
    users = everyone.json()
    assert isinstance(users, list)
    assert len(users) >= 2
    assert len({u["accountId"] for u in users}) == len(users)
    first_two = client.get("/rest/api/3/users/search", params={"startAt": 0, "maxResults": 2}).json()
    rest = client.get("/rest/api/3/users/search", params={"startAt": 2, "maxResults": 1000}).json()
    assert [u["accountId"] for u in first_two + rest] == [u["accountId"] for u in users]
