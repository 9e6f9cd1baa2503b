"""A2 (reliability-tests.md): isolation between teams.

Baton serves one organisation, so isolation is modelled as API keys scoped to teams (``baton apikey create
--team``). Team A is ``payments``; B is everything else (``design``, ``growth`` and unowned data). With A's key,
every id-taking route answers 404 for B's ids and for 1,000 Hypothesis-random ids outside A, and no list, CSV
export or report carries a B row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.auth.keys import create_api_key, resolve_api_key
from api.views.params import MAX_ID
from cli.app import build_cli
from models.db import Database
from models.enums import ApiKeyRole
from tests.api.conftest import AppFactory, bearer
from tests.api.seed import Seeded
from tests.api.test_auth import api_routes

pytestmark = pytest.mark.reliability

A_TEAM = "payments"
# Routes taking an id, by the parameter they take: each is exercised below (the inventory test keeps it complete).
ID_ROUTES = {
    ("GET", "/api/v1/items/{item_id}"),
    ("GET", "/api/v1/findings/{finding_id}"),
    ("POST", "/api/v1/findings/{finding_id}/snooze"),
    ("DELETE", "/api/v1/findings/{finding_id}/snooze"),
    ("GET", "/api/v1/people/{person_id}/workload"),
    ("GET", "/api/v1/reports/{report_id}"),
    ("GET", "/api/v1/reports/{report_id}/deliveries"),
    ("GET", "/api/v1/teams/{team}/board"),
    ("POST", "/api/v1/connections/{name}/check"),
    ("POST", "/api/v1/connections/{name}/sync"),
}
LISTS = [
    "/api/v1/items?limit=500",
    "/api/v1/items?include_deleted=true&limit=500",
    "/api/v1/items?format=csv",
    "/api/v1/items?team=design",
    "/api/v1/items?q=design",
    "/api/v1/teams",
    "/api/v1/teams?format=csv",
    "/api/v1/teams/payments/board?cards_per_column=100",
    "/api/v1/people?include_bots=true&limit=500",
    "/api/v1/people?format=csv&include_bots=true",
    "/api/v1/due?days=366&limit=500",
    "/api/v1/due?format=csv&days=366",
    "/api/v1/sprints?state=all&limit=500",
    "/api/v1/sprints?format=csv&state=all",
    "/api/v1/epics?state=all&limit=500",
    "/api/v1/epics?format=csv&state=all",
    "/api/v1/findings?state=all&limit=500",
    "/api/v1/findings?format=csv&state=all",
    "/api/v1/findings?team=design&state=all",
    "/api/v1/hygiene",
    "/api/v1/hygiene?by=container",
    "/api/v1/hygiene?format=csv&by=container",
    "/api/v1/flow",
    "/api/v1/flow?team=design",
    "/api/v1/flow?format=csv",
    "/api/v1/sync/runs",
    "/api/v1/sync/runs?format=csv",
    "/api/v1/reports",
    "/api/v1/reports?format=csv",
]


class Visible:
    """What the whole-organisation key sees, split into A's part and B's part."""

    def __init__(self, admin: TestClient) -> None:
        every = admin.get("/api/v1/items?include_deleted=true&limit=500").json()["items"]
        mine = admin.get(f"/api/v1/items?team={A_TEAM}&include_deleted=true&limit=500").json()["items"]
        self.a_items = {i["id"] for i in mine}
        self.b_items = {i["id"] for i in every} - self.a_items
        self.b_item_texts = {i["title"] for i in every if i["id"] in self.b_items}
        self.b_item_texts |= {i["key"] for i in every if i["id"] in self.b_items and i["key"]}
        findings = admin.get("/api/v1/findings?state=all&limit=500").json()["items"]
        self.a_findings = {f["id"] for f in findings if f["team"] == A_TEAM}
        self.b_findings = {f["id"] for f in findings} - self.a_findings
        people = admin.get("/api/v1/people?include_bots=true&limit=500").json()["items"]
        self.a_people = {i["assignee_id"] for i in mine if i["assignee_id"] is not None and i["deleted_at"] is None}
        self.b_people = {p["id"] for p in people} - self.a_people
        self.b_people_names = {p["display_name"] for p in people if p["id"] in self.b_people}
        self.b_reports = {r["id"] for r in admin.get("/api/v1/reports").json()["items"]}
        teams = admin.get("/api/v1/teams").json()
        self.b_teams = {t["name"] for t in teams} - {A_TEAM}
        self.b_containers = {c["name"] for t in teams if t["name"] != A_TEAM for c in t["containers"]}


@pytest.fixture
def clients(seeded: Seeded, make_app: AppFactory, database: Database) -> Iterator[tuple[TestClient, TestClient]]:
    scoped = create_api_key(database, name="payments planners", role=ApiKeyRole.VIEWER, teams=[A_TEAM])
    with TestClient(make_app()) as client:
        admin = TestClient(client.app, headers=bearer(seeded.admin_key))
        team_a = TestClient(client.app, headers=bearer(scoped.secret))
        yield admin, team_a


def _b_rows_in(body: str, seen: Visible) -> list[str]:
    found = [text for text in seen.b_item_texts | seen.b_people_names if text in body]
    found += [name for name in seen.b_containers if re.search(rf'(^|[",|]){re.escape(name)}($|[",|\r\n])', body)]
    found += [team for team in seen.b_teams if f'"team":"{team}"' in body.replace(" ", "") or f",{team}," in body]
    return found


def _ids_in(value: Any, key: str) -> set[int]:
    if isinstance(value, dict):
        own = {int(value[key])} if isinstance(value.get(key), int) and "title" in value else set()
        return own.union(*(_ids_in(v, key) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_ids_in(v, key) for v in value))
    return set()


def test_a2_the_id_route_inventory_is_complete(clients: tuple[TestClient, TestClient]) -> None:
    admin, _ = clients
    taking_ids = {
        (method, path)
        for path, methods, _ in api_routes(admin.app)  # type: ignore[arg-type]
        if path.startswith("/api/") and "{" in path
        for method in methods
    }
    assert taking_ids == ID_ROUTES


def test_a2_every_id_route_answers_404_for_b_ids(clients: tuple[TestClient, TestClient]) -> None:
    admin, team_a = clients
    seen = Visible(admin)
    for found in (seen.a_items, seen.b_items, seen.b_findings, seen.b_people, seen.b_reports):
        assert found  # not vacuous
    assert seen.b_teams == {"design", "growth"}
    for item in seen.b_items:
        assert admin.get(f"/api/v1/items/{item}?include_deleted=true").status_code == 200
        for query in ("", "?include_deleted=true"):
            assert team_a.get(f"/api/v1/items/{item}{query}").status_code == 404
    for finding in seen.b_findings:
        assert team_a.get(f"/api/v1/findings/{finding}").status_code == 404
    for person in seen.b_people:
        assert admin.get(f"/api/v1/people/{person}/workload").status_code == 200
        assert team_a.get(f"/api/v1/people/{person}/workload").status_code == 404
    for report in seen.b_reports:
        for fmt in ("json", "md", "html"):
            assert team_a.get(f"/api/v1/reports/{report}?format={fmt}").status_code == 404
        assert admin.get(f"/api/v1/reports/{report}/deliveries").status_code == 200
        assert team_a.get(f"/api/v1/reports/{report}/deliveries").status_code == 404
    for team in seen.b_teams:
        assert team_a.get(f"/api/v1/teams/{team}/board").status_code == 404
    # A's own objects stay reachable: the scope narrows, it does not switch everything off.
    assert all(team_a.get(f"/api/v1/items/{i}?include_deleted=true").status_code == 200 for i in seen.a_items)
    assert all(team_a.get(f"/api/v1/findings/{f}").status_code == 200 for f in seen.a_findings)
    assert team_a.get(f"/api/v1/teams/{A_TEAM}/board").status_code == 200
    # Admin routes taking ids are out of a scoped key's reach altogether (scoped keys are viewers).
    any_finding = next(iter(seen.b_findings))
    assert (
        team_a.post(f"/api/v1/findings/{any_finding}/snooze", json={"until": "2027-01-01T00:00:00Z"}).status_code == 403
    )
    assert team_a.delete(f"/api/v1/findings/{any_finding}/snooze").status_code == 403
    for suffix in ("check", "sync"):
        assert team_a.post(f"/api/v1/connections/trello/{suffix}").status_code == 403


def test_a2_random_ids_outside_a_are_404(clients: tuple[TestClient, TestClient]) -> None:
    admin, team_a = clients
    seen = Visible(admin)
    near = max(seen.a_items | seen.b_items | seen.b_findings | seen.b_people) + 50
    ids = st.one_of(st.integers(1, near), st.integers(1, MAX_ID))
    answers: dict[int, int] = {}

    routes = {
        "/api/v1/items/{}?include_deleted=true": seen.a_items,
        "/api/v1/findings/{}": seen.a_findings,
        "/api/v1/people/{}/workload": seen.a_people,
        "/api/v1/reports/{}": set(),
        "/api/v1/reports/{}/deliveries": set(),
    }

    @given(route=st.sampled_from(sorted(routes)), some_id=ids)
    @settings(
        max_examples=1_000, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    def probe(route: str, some_id: int) -> None:
        status = team_a.get(route.format(some_id)).status_code
        answers[status] = answers.get(status, 0) + 1
        assert status == (200 if some_id in routes[route] else 404), route.format(some_id)

    probe()
    assert sum(answers.values()) >= 1_000
    assert answers[404] >= 900  # A's own ids are the only 200s


def test_a2_no_b_row_in_any_list_or_export(clients: tuple[TestClient, TestClient]) -> None:
    admin, team_a = clients
    seen = Visible(admin)
    baseline = admin.get("/api/v1/items?limit=500").text
    assert _b_rows_in(baseline, seen)  # the detector finds B rows where they are
    for url in LISTS:
        response = team_a.get(url)
        assert response.status_code == 200, url
        assert _b_rows_in(response.text, seen) == [], url
        if response.headers["content-type"].startswith("application/json"):
            assert not _ids_in(response.json(), "id") & seen.b_items, url
    items = team_a.get("/api/v1/items?limit=500&include_deleted=true").json()["items"]
    assert {i["id"] for i in items} == seen.a_items
    assert {t["name"] for t in team_a.get("/api/v1/teams").json()} == {A_TEAM}
    assert {f["team"] for f in team_a.get("/api/v1/findings?state=all").json()["items"]} == {A_TEAM}
    assert team_a.get("/api/v1/reports").json()["items"] == []
    assert team_a.get("/api/v1/sync/runs").json()["items"] == []
    hygiene = team_a.get("/api/v1/hygiene").json()["scores"]
    assert [s["name"] for s in hygiene] == [A_TEAM]
    people = team_a.get("/api/v1/people?include_bots=true&limit=500").json()["items"]
    assert {p["id"] for p in people} == seen.a_people
    whole = {p["id"]: p["open_items"] for p in admin.get("/api/v1/people?limit=500").json()["items"]}
    alice = next(p for p in people if p["email"] == "alice@acme.example")
    assert alice["open_items"] < whole[alice["id"]]  # counted in A's items only
    flow = team_a.get("/api/v1/flow").json()
    assert flow["overall"]["wip"] < admin.get("/api/v1/flow").json()["overall"]["wip"]


def test_scoped_keys_are_viewers_of_named_teams(database: Database) -> None:
    key = create_api_key(database, name="growth", role=ApiKeyRole.VIEWER, teams=["growth", " design "])
    identity = resolve_api_key(database, key.secret)
    assert identity is not None
    assert identity.teams == ("design", "growth")
    whole = resolve_api_key(database, create_api_key(database, name="all", role=ApiKeyRole.VIEWER).secret)
    assert whole is not None
    assert whole.teams is None
    with pytest.raises(ValueError, match="admin"):
        create_api_key(database, name="x", role=ApiKeyRole.ADMIN, teams=["growth"])
    with pytest.raises(ValueError, match="team"):
        create_api_key(database, name="x", role=ApiKeyRole.VIEWER, teams=[""])


def test_apikey_create_takes_team_scopes(database: Database) -> None:
    env = {"BATON_DATABASE_URL": database.engine.url.render_as_string(hide_password=False), "BATON_POLICY": None}
    runner = CliRunner()
    create = ["apikey", "create", "--name", "pay", "--team", "payments", "--team", "growth"]
    result = runner.invoke(build_cli(), create, env=env)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    identity = resolve_api_key(database, secret)
    assert identity is not None
    assert identity.teams == ("growth", "payments")
    admin = ["apikey", "create", "--name", "x", "--role", "admin", "--team", "payments"]
    refused = runner.invoke(build_cli(), admin, env=env)  # type: ignore[arg-type]
    assert refused.exit_code == 2
    assert "cannot be limited" in refused.stderr
