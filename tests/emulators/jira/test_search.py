"""search/jql semantics over HTTP: token paging without total, page caps, fields, strict POST bodies, the JQL
subset with time zones and relative dates, changelog truncation, the removed /search and --legacy-search."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from emulators.jira import build_app
from emulators.jira.search import UNBOUNDED
from emulators.request_tally import route_shape
from emulators.server import running_server
from tests.emulators.jira.conftest import AUTH, ITEMS, all_project_jql, jira_config, page_all, project_keys


def test_every_issue_once_by_get_and_post_with_tokens_and_no_total(client: httpx.Client) -> None:
    jql = all_project_jql(client)
    by_get = page_all(client, {"jql": jql, "maxResults": 100, "fields": "key"})
    by_post = page_all(client, {"jql": jql, "maxResults": 100, "fields": ["key"]}, post=True)
    assert [i["id"] for i in by_get] == [i["id"] for i in by_post]
    assert len({i["id"] for i in by_get}) == ITEMS


def test_default_fields_are_id_only_and_page_sizes_are_capped(client: httpx.Client) -> None:
    jql = all_project_jql(client)
    ids_only = client.get("/rest/api/3/search/jql", params={"jql": jql, "maxResults": 5000}).json()
    assert ids_only["issues"][0] == {"id": ids_only["issues"][0]["id"]}
    assert len(ids_only["issues"]) == ITEMS  # up to 5,000 per page when only ids are asked for
    with_fields = client.get(
        "/rest/api/3/search/jql", params={"jql": jql, "maxResults": 5000, "fields": "summary"}
    ).json()
    assert len(with_fields["issues"]) == 100
    assert with_fields["isLast"] is False
    assert len(client.get("/rest/api/3/search/jql", params={"jql": jql}).json()["issues"]) == 50


def test_fields_lists_repeated_and_comma_separated_all_and_navigable(client: httpx.Client) -> None:
    jql = all_project_jql(client)

    def fields_of(params: list[tuple[str, str]]) -> set[str]:
        page = client.get("/rest/api/3/search/jql", params=[("jql", jql), ("maxResults", "1"), *params]).json()
        return set(page["issues"][0]["fields"])

    assert fields_of([("fields", "summary"), ("fields", "status")]) == {"summary", "status"}
    assert fields_of([("fields", "summary,status,updated")]) == {"summary", "status", "updated"}
    everything = fields_of([("fields", "*all")])
    navigable = fields_of([("fields", "*navigable")])
    assert "comment" in everything
    assert "comment" not in navigable
    assert fields_of([("fields", "*all,-comment")]) == everything - {"comment"}


def test_strict_post_body_refuses_unknown_keys_and_accepts_nulls(client: httpx.Client) -> None:
    jql = all_project_jql(client)
    refused = client.post("/rest/api/3/search/jql", json={"jql": jql, "startAt": 0})
    assert refused.status_code == 400
    assert refused.json()["errorMessages"] == [
        "Invalid request payload. Refer to the REST API documentation and try again."
    ]
    nulls = {
        "jql": jql,
        "fields": ["summary"],
        "expand": None,
        "properties": None,
        "reconcileIssues": [],
        "maxResults": 2,
    }
    assert client.post("/rest/api/3/search/jql", json=nulls).status_code == 200


def test_jql_subset_filters_and_orders(client: httpx.Client) -> None:
    keys = project_keys(client)
    first = keys[0]
    in_project = page_all(client, {"jql": f"project = {first}", "fields": "project", "maxResults": 100})
    assert {i["fields"]["project"]["key"] for i in in_project} == {first}  # type: ignore[index]
    done = page_all(client, {"jql": f"project in ({first}) AND statusCategory = Done", "fields": "status"})
    assert done
    assert {i["fields"]["status"]["statusCategory"]["key"] for i in done} == {"done"}  # type: ignore[index]
    todo = page_all(client, {"jql": f'project = {first} AND status = "To Do"', "fields": "status"})
    assert {i["fields"]["status"]["name"] for i in todo} == {"To Do"}  # type: ignore[index]
    some = [i["key"] for i in in_project[:3]]
    by_key = page_all(client, {"jql": f"key in ({', '.join(some)}) ORDER BY key DESC", "fields": "key"})
    assert [i["key"] for i in by_key] == sorted(some, key=lambda k: int(k.split("-")[1]), reverse=True)
    ids = [str(i["id"]) for i in in_project[:2]]
    assert {i["id"] for i in page_all(client, {"jql": f"id in ({', '.join(ids)})"})} == set(ids)
    ordered = page_all(
        client, {"jql": f"project = {first} ORDER BY updated ASC", "fields": "updated", "maxResults": 100}
    )
    stamps = [i["fields"]["updated"] for i in ordered]  # type: ignore[index]
    assert stamps == sorted(stamps)


def test_absolute_dates_are_read_in_the_users_time_zone_and_relative_ones_from_the_clock(client: httpx.Client) -> None:
    jql = all_project_jql(client)
    zone = ZoneInfo(client.get("/rest/api/3/myself").json()["timeZone"])
    issues = page_all(client, {"jql": f"{jql} ORDER BY created ASC", "fields": "created", "maxResults": 100})
    created = [datetime.strptime(str(i["fields"]["created"]), "%Y-%m-%dT%H:%M:%S.%f%z") for i in issues]  # type: ignore[index]
    pivot = created[len(created) // 2].astimezone(zone)
    minute = pivot.replace(second=0, microsecond=0)
    for text in (minute.strftime("%Y-%m-%d %H:%M"), minute.strftime("%Y/%m/%d %H:%M")):
        found = page_all(client, {"jql": f'{jql} AND created >= "{text}"', "fields": "created"})
        assert len(found) == sum(1 for c in created if c >= minute)
    day = pivot.strftime("%Y-%m-%d")
    midnight = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=zone)
    before = page_all(client, {"jql": f"{jql} AND created < {day}", "fields": "created"})
    assert len(before) == sum(1 for c in created if c < midnight)
    now = client.get("/_emulator/clock").json()["epoch"]
    recent = page_all(client, {"jql": f"{jql} AND created > -30d", "fields": "created"})
    assert len(recent) == sum(1 for c in created if c.timestamp() > now - 30 * 86400)
    assert len(page_all(client, {"jql": f'{jql} AND updated >= "-15m"'})) == 0


def test_bad_and_unbounded_jql_get_jiras_400(client: httpx.Client) -> None:
    for jql in ("project = ", "summary ~ foo", "project = NOPE", "ORDER BY created", "", "project = X OR key = Y"):
        response = client.get("/rest/api/3/search/jql", params={"jql": jql})
        assert response.status_code == 400, jql
        assert response.json()["errorMessages"]
        assert response.json()["errors"] == {}
    unbounded = client.get("/rest/api/3/search/jql", params={"jql": "order by created DESC"})
    assert unbounded.json()["errorMessages"] == [UNBOUNDED]
    count = client.post("/rest/api/3/search/approximate-count", json={"jql": ""})
    assert count.status_code == 400


def test_expanded_changelog_is_truncated_to_the_40_most_recent(fresh_jira_url: str) -> None:
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH) as http:
        key = http.get(
            "/rest/api/3/search/jql", params={"jql": all_project_jql(http), "fields": "key", "maxResults": 1}
        ).json()["issues"][0]["key"]
        for n in range(45):
            assert http.put(f"/rest/api/3/issue/{key}", json={"fields": {"labels": [f"round-{n}"]}}).status_code == 204
        total = http.get(f"/rest/api/3/issue/{key}/changelog", params={"maxResults": 1}).json()["total"]
        found = http.get(
            "/rest/api/3/search/jql", params={"jql": f"key = {key}", "expand": "changelog", "fields": "key"}
        ).json()
        changelog = found["issues"][0]["changelog"]
        assert total > 45
        assert changelog["total"] == total
        assert len(changelog["histories"]) == 40
        assert changelog["histories"][-1]["items"][0]["toString"] == "round-44"


def test_removed_search_answers_410_and_legacy_flag_serves_data_center_paging(client: httpx.Client) -> None:
    for path in ("/rest/api/3/search", "/rest/api/2/search"):
        gone = client.get(path, params={"jql": all_project_jql(client)})
        assert gone.status_code == 410
        assert gone.json()["errorMessages"][0].startswith(
            "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API"
        )
    with (
        running_server(build_app(jira_config(legacy_search=True))) as url,
        httpx.Client(base_url=url, auth=AUTH) as http,
    ):
        jql = all_project_jql(http)
        seen: list[str] = []
        start = 0
        while True:
            page = http.get("/rest/api/2/search", params={"jql": jql, "startAt": start, "maxResults": 100}).json()
            assert page["total"] == ITEMS
            seen += [i["id"] for i in page["issues"]]
            start += page["maxResults"]
            if start >= page["total"]:
                break
        assert len(set(seen)) == ITEMS
        assert isinstance(page["issues"][0]["fields"]["description"] or "", str)  # v2: plain text


def test_writes_show_up_in_search_and_tokens_survive_them(fresh_jira_url: str) -> None:
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH) as http:
        jql = f"{all_project_jql(http)} ORDER BY key ASC"
        first = http.get("/rest/api/3/search/jql", params={"jql": jql, "maxResults": 100}).json()
        created = http.post(
            "/rest/api/3/issue",
            json={
                "fields": {"project": {"key": project_keys(http)[0]}, "summary": "Fresh", "issuetype": {"name": "Task"}}
            },
        )
        assert created.status_code == 201
        deleted = first["issues"][0]["id"]
        assert http.delete(f"/rest/api/3/issue/{deleted}").status_code == 204
        rest = page_all(http, {"jql": jql, "maxResults": 100, "nextPageToken": first["nextPageToken"]})
        ids = [i["id"] for i in first["issues"]] + [i["id"] for i in rest]
        assert len(ids) == len(set(ids)) == ITEMS + 1
        assert created.json()["id"] in ids
        assert http.get(f"/rest/api/3/issue/{deleted}").status_code == 404


def _updated(issue: dict[str, object]) -> datetime:
    fields = issue["fields"]
    assert isinstance(fields, dict)
    return datetime.strptime(str(fields["updated"]), "%Y-%m-%dT%H:%M:%S.%f%z")


def test_updated_bounds_and_approximate_counts_agree_with_a_full_listing_after_writes(fresh_jira_url: str) -> None:
    """The indexed paths (an `updated` lower bound skips older generated issues; a projects-only count reads the
    containers' live counts) answer exactly what a full listing says, written, created and deleted issues included."""
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH, timeout=30) as http:
        jql = all_project_jql(http)
        http.post("/_emulator/mutations", json={"count": 25}).raise_for_status()
        created = http.post(
            "/rest/api/3/issue",
            json={
                "fields": {"project": {"key": project_keys(http)[1]}, "summary": "New", "issuetype": {"name": "Task"}}
            },
        )
        assert created.status_code == 201
        listing = page_all(http, {"jql": f"{jql} ORDER BY updated ASC", "fields": "updated", "maxResults": 100})
        deleted = str(listing[0]["id"])
        assert http.delete(f"/rest/api/3/issue/{deleted}").status_code == 204
        listing = [i for i in listing if i["id"] != deleted]
        stamps = {str(i["id"]): _updated(i) for i in listing}
        zone = ZoneInfo(http.get("/rest/api/3/myself").json()["timeZone"])
        ordered = sorted(stamps.values())
        for pivot in (ordered[len(ordered) // 3], ordered[-30], ordered[-1]):
            minute = pivot.astimezone(zone).replace(second=0, microsecond=0)
            text = minute.strftime("%Y-%m-%d %H:%M")
            found = page_all(http, {"jql": f'{jql} AND updated >= "{text}" ORDER BY updated ASC', "maxResults": 100})
            assert {str(i["id"]) for i in found} == {k for k, v in stamps.items() if v >= minute}
            later = page_all(http, {"jql": f'{jql} AND updated > "{text}"', "maxResults": 100})
            assert {str(i["id"]) for i in later} == {k for k, v in stamps.items() if v > minute}
        assert created.json()["id"] in stamps
        for query, expected in ((jql, len(listing)), (f"project = {project_keys(http)[0]}", None)):
            count = http.post("/rest/api/3/search/approximate-count", json={"jql": query}).json()["count"]
            assert count == (
                expected if expected is not None else len(page_all(http, {"jql": query, "maxResults": 100}))
            )


def test_stats_tally_requests_by_route_with_ids_folded(fresh_jira_url: str) -> None:
    with httpx.Client(base_url=fresh_jira_url, auth=AUTH, timeout=30) as http:
        jql = all_project_jql(http)
        first = http.post("/rest/api/3/search/jql", json={"jql": jql, "maxResults": 5}).json()["issues"]
        for issue in first[:3]:
            http.get(f"/rest/api/3/issue/{issue['id']}")
        http.get(f"/rest/api/3/issue/{first[0]['id']}", auth=("baton@example.com", "wrong"))  # refused, counted
        tally = http.get("/_emulator/stats").json()["requests_by_route"]
    assert tally["POST /rest/api/3/search/jql"] == 1
    assert tally["GET /rest/api/3/issue/{id}"] == 4
    assert tally["GET /rest/api/3/project"] >= 1
    assert not any("_emulator" in route for route in tally)
    assert route_shape("/1/boards/5f2b8c0e9d1a4b3c2d1e0f9a/cards") == "/1/boards/{id}/cards"
    assert route_shape("/api/1.0/tasks/1204000000012345/stories") == "/api/1.0/tasks/{id}/stories"
    assert route_shape("/rest/api/3/issue/ENG-12/transitions") == "/rest/api/3/issue/{id}/transitions"
    assert route_shape("/rest/agile/1.0/board/3/sprint") == "/rest/agile/1.0/board/{id}/sprint"
