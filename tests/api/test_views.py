"""The planning views on the seeded store: teams, board, people, workload, due, sprints, epics, findings (snooze),
rules, hygiene, flow, reports, connections triggers, sync runs; CSV for each list."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.routes.connections import ConnectionTriggers
from api.views.rules import RuleInfo
from core.policy import Policy
from tests.api.conftest import AppFactory, bearer
from tests.api.seed import NOW, TODAY, Seeded


def test_teams_come_from_the_policy_and_the_store(api: TestClient) -> None:
    teams = {t["name"]: t for t in api.get("/api/v1/teams").json()}
    assert set(teams) == {"payments", "design", "growth"}
    assert teams["growth"]["defined_in"] == ["policy", "store"]
    assert teams["payments"]["timezone"] == "Europe/Paris"
    assert {c["name"] for c in teams["payments"]["containers"]} == {"Payments", "PAY board"}
    assert {c["name"] for c in teams["design"]["containers"]} == {"Design", "Up Next", "Doing", "Shipped"}
    assert teams["design"]["open_items"] == 10
    assert teams["payments"]["wip_limits"] == {"in_progress": 5, "In Review": 1}


def test_a_team_board_counts_columns_across_tools_with_wip_limits(api: TestClient) -> None:
    board = api.get("/api/v1/teams/payments/board?cards_per_column=3").json()
    columns = {c["category"]: c for c in board["columns"]}
    assert [c["category"] for c in board["columns"]] == [
        "backlog",
        "todo",
        "in_progress",
        "done",
        "cancelled",
        "unknown",
    ]
    assert columns["in_progress"]["count"] == 12
    assert columns["in_progress"]["wip_limit"] == 5
    assert columns["in_progress"]["over_limit"] is True
    assert len(columns["in_progress"]["cards"]) == 3
    review = next(s for s in board["statuses"] if s["status"] == "In Review")
    assert (review["count"], review["wip_limit"], review["over_limit"]) == (4, 1, True)
    assert sum(s["count"] for s in board["statuses"]) == sum(c["count"] for c in board["columns"]) == 40
    assert api.get("/api/v1/teams/nobody/board").status_code == 404
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/teams/payments/board?format=csv").text)))
    assert {r["status"] for r in rows} >= {"In Review", "Done", "Mystery"}


def test_people_and_one_persons_workload_across_tools(api: TestClient, seeded: Seeded) -> None:
    people = api.get("/api/v1/people").json()["items"]
    alice = next(p for p in people if p["email"] == "alice@acme.example")
    assert {a["connection"] for a in alice["accounts"]} == {"jira", "trello", "asana"}
    page = api.get("/api/v1/people?limit=1").json()
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    second = api.get(f"/api/v1/people?limit=1&cursor={page['next_cursor']}").json()
    assert second["items"][0]["id"] > page["items"][0]["id"]
    assert [p["display_name"] for p in api.get("/api/v1/people?q=chen").json()["items"]] == ["Chen Wei"]
    load = api.get(f"/api/v1/people/{alice['id']}/workload").json()
    assert load["open_items"] == alice["open_items"] == len(load["items"])
    assert {s["source"] for s in load["by_source"]} == {"jira", "trello", "asana"}
    assert all(i["status_category"] not in ("done", "cancelled") for i in load["items"])
    by_category = {c["category"]: c for c in load["by_category"]}
    assert sum(c["count"] for c in by_category.values()) == load["open_items"]
    assert load["estimate_total"] == sum(i["estimate"] or 0 for i in load["items"])
    assert by_category["in_progress"]["unestimated"] == sum(
        1 for i in load["items"] if i["status_category"] == "in_progress" and i["estimate"] is None
    )
    assert api.get("/api/v1/people/999999/workload").status_code == 404
    assert len(list(csv.DictReader(io.StringIO(api.get("/api/v1/people?format=csv").text)))) == len(people)


def test_due_lists_overdue_then_upcoming(api: TestClient) -> None:
    page = api.get("/api/v1/due?days=7&limit=500").json()
    assert page["today"] == str(TODAY)
    dues = [i["due"] for i in page["items"]]
    assert dues == sorted(dues)
    assert all(d <= str(TODAY + timedelta(days=7)) for d in dues)
    assert all(i["status_category"] not in ("done", "cancelled") for i in page["items"])
    for item in page["items"]:
        assert item["bucket"] == ("overdue" if item["due"] < str(TODAY) else "upcoming")
    overdue = api.get("/api/v1/due?bucket=overdue&limit=500").json()["items"]
    assert overdue
    assert all(i["days_until_due"] < 0 for i in overdue)
    upcoming = api.get("/api/v1/due?bucket=upcoming&days=0&limit=500").json()["items"]
    assert all(i["due"] == str(TODAY) for i in upcoming)
    design = api.get("/api/v1/due?team=design").json()
    assert all(i["team"] == "design" for i in design["items"])
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/due?format=csv&days=7").text)))
    assert [r["bucket"] for r in rows] == [i["bucket"] for i in page["items"]]


def test_active_sprint_committed_added_progress_and_carry_over(api: TestClient) -> None:
    sprints = api.get("/api/v1/sprints").json()["items"]
    assert [s["name"] for s in sprints] == ["PAY Sprint 14"]
    sprint = sprints[0]
    # PAY-n with n % 3 == 0 (n from 2 to 40; PAY-41 is tombstoned): 13 items;
    # 4 of them (n % 9 == 0) were added 8 days after the start.
    assert (sprint["total_items"], sprint["committed_items"], sprint["added_items"]) == (13, 9, 4)
    assert sprint["added_percent"] == round(100 * 4 / 9, 1)
    # n % 6 == 0 and not n % 9 == 0 were also in the closed sprint 13: 6, 12, 24, 30 (18 and 36 were re-added late).
    assert sprint["carried_over_items"] == 4
    assert sprint["done_items"] == 4
    assert sprint["progress_percent"] == round(100 * 4 / 13, 1)
    assert [s["name"] for s in api.get("/api/v1/sprints?state=all").json()["items"]] == [
        "PAY Sprint 15",
        "PAY Sprint 14",
        "PAY Sprint 13",
    ]
    assert api.get("/api/v1/sprints?team=design").json()["items"] == []
    assert api.get("/api/v1/sprints?team=payments").json()["items"][0]["name"] == "PAY Sprint 14"
    assert len(list(csv.DictReader(io.StringIO(api.get("/api/v1/sprints?state=all&format=csv").text)))) == 3


def test_epics_roll_up_children_across_tools(api: TestClient) -> None:
    epic = api.get("/api/v1/epics").json()["items"][0]
    assert epic["key"] == "PAY-1"
    assert epic["children_sources"] == ["jira", "trello"]
    cancelled = epic["children_by_category"].get("cancelled", 0)
    assert epic["children_total"] == 21 - cancelled  # PAY-2..PAY-19 and three linked Trello cards
    assert epic["children_done"] == epic["children_by_category"]["done"]
    assert epic["progress_percent"] == round(100 * epic["children_done"] / epic["children_total"], 1)
    assert api.get("/api/v1/epics?state=done").json()["items"] == []
    assert len(list(csv.DictReader(io.StringIO(api.get("/api/v1/epics?format=csv").text)))) == 1


def test_findings_filters(api: TestClient) -> None:
    open_ = api.get("/api/v1/findings").json()["items"]
    assert {(f["rule_id"], f["subject_key"]) for f in open_} == {
        ("R02", "PAY-11"),
        ("R08", "PAY-11"),
        ("R05", "PAY-15"),
        ("R06", "PAY-15"),
        ("R08", "tr4"),
        ("R20", "payments"),
    }
    assert [f["rule_id"] for f in api.get("/api/v1/findings?state=resolved").json()["items"]] == ["R01"]
    assert len(api.get("/api/v1/findings?state=all").json()["items"]) == 7
    assert [f["subject_key"] for f in api.get("/api/v1/findings?rule=R08&team=design").json()["items"]] == ["tr4"]
    assert [f["state"] for f in api.get("/api/v1/findings?snoozed=true").json()["items"]] == ["snoozed"]
    assert len(api.get("/api/v1/findings?snoozed=false").json()["items"]) == 5
    assert [f["rule_id"] for f in api.get("/api/v1/findings?severity=high").json()["items"]] == ["R02"]
    oldest = api.get("/api/v1/findings?sort=first_seen&limit=2").json()
    second = api.get(f"/api/v1/findings?sort=first_seen&limit=2&cursor={oldest['next_cursor']}").json()
    seen = [f["first_seen_at"] for f in oldest["items"] + second["items"]]
    assert seen == sorted(seen)
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/findings?format=csv").text)))
    assert len(rows) == 6
    assert "details" not in rows[0]


def test_snooze_needs_an_admin_and_a_future_date(api: TestClient, seeded: Seeded) -> None:
    finding = seeded.findings["R02:PAY-11"]
    until = (NOW + timedelta(days=3)).isoformat()
    viewer = api.post(
        f"/api/v1/findings/{finding}/snooze",
        json={"until": until, "reason": "vendor"},
        headers=bearer(seeded.viewer_key),
    )
    assert viewer.status_code == 403
    snoozed = api.post(f"/api/v1/findings/{finding}/snooze", json={"until": until, "reason": "Waiting on the vendor"})
    assert snoozed.status_code == 200
    assert (snoozed.json()["state"], snoozed.json()["snooze_reason"]) == ("snoozed", "Waiting on the vendor")
    assert api.get(f"/api/v1/findings/{finding}").json()["snoozed_until"] == until.replace("+00:00", "Z")
    for body in (
        {"until": (NOW - timedelta(hours=1)).isoformat(), "reason": "past"},
        {"until": (NOW + timedelta(days=400)).isoformat(), "reason": "too far"},
        {"until": until, "reason": ""},
        {"until": until},
    ):
        assert api.post(f"/api/v1/findings/{finding}/snooze", json=body).status_code == 422, body
    resolved = seeded.findings["R01:PAY-14"]
    assert api.post(f"/api/v1/findings/{resolved}/snooze", json={"until": until, "reason": "x"}).status_code == 409
    assert api.post("/api/v1/findings/999999/snooze", json={"until": until, "reason": "x"}).status_code == 404
    woken = api.delete(f"/api/v1/findings/{finding}/snooze")
    assert (woken.status_code, woken.json()["state"], woken.json()["snoozed_until"]) == (200, "open", None)


def test_rules_catalogue_reads_the_policy(api: TestClient) -> None:
    rules = {r["id"]: r for r in api.get("/api/v1/rules").json()}
    assert list(rules) == [f"R{n:02d}" for n in range(1, 21)]
    assert rules["R02"]["thresholds"] == {"days": 4}
    assert rules["R02"]["team_overrides"] == {"design": {"days": 7}}
    assert rules["R08"]["severity"] == "high"
    assert rules["R08"]["open_findings"] == 2
    assert rules["R01"]["name"] == "stale"
    assert rules["R01"]["open_findings"] == 0
    assert len(list(csv.DictReader(io.StringIO(api.get("/api/v1/rules?format=csv").text)))) == 20


def test_the_rules_catalogue_provider_can_be_swapped(seeded: Seeded, make_app: AppFactory) -> None:
    def engine_catalogue(policy: Policy | None) -> list[RuleInfo]:
        return [
            RuleInfo(
                id="R02",
                name="stale in progress",
                description="Explained by the engine.",
                enabled=True,
                severity="medium",
                thresholds={},
                exemptions={},
                team_overrides={},
            )
        ]

    app = make_app(app_options={"rule_catalogue": engine_catalogue})
    with TestClient(app, headers=bearer(seeded.viewer_key)) as client:
        rules = client.get("/api/v1/rules").json()
    assert [(r["id"], r["description"], r["open_findings"]) for r in rules] == [("R02", "Explained by the engine.", 1)]


def test_hygiene_scores_weigh_open_findings(api: TestClient) -> None:
    scores = {s["name"]: s for s in api.get("/api/v1/hygiene").json()["scores"]}
    # design: 10 open items, tr4 with a medium finding (2 of a top weight 4).
    assert scores["design"]["score"] == round(100 - 100 * 2 / (10 * 4), 1)
    # payments: PAY-11 high (4) + medium -> 4; PAY-15 low (1), its medium one is snoozed.
    payments = scores["payments"]
    assert payments["items_with_findings"] == 2
    assert payments["score"] == round(100 - 100 * (4 + 1) / (payments["open_items"] * 4), 1)
    assert scores["growth"]["score"] == 100.0
    by_container = api.get("/api/v1/hygiene?by=container").json()["scores"]
    assert {s["name"] for s in by_container} == {"Payments", "Design", "Growth"}
    assert len(list(csv.DictReader(io.StringIO(api.get("/api/v1/hygiene?format=csv").text)))) == 3


def test_flow_metrics_from_history(api: TestClient) -> None:
    flow = api.get("/api/v1/flow").json()
    overall = flow["overall"]
    jira = next(s for s in flow["by_source"] if s["source"] == "jira")
    trello = next(s for s in flow["by_source"] if s["source"] == "trello")
    assert (
        overall["cycle_time_days"]["samples"]
        == jira["cycle_time_days"]["samples"] + trello["cycle_time_days"]["samples"]
    )
    assert trello["cycle_time_days"] == {
        "samples": 5,
        "p50": 7.0,
        "p85": 7.0,
        "p95": 7.0,
    }  # Doing 10 days ago, Shipped 3
    assert sum(overall["throughput_per_week"].values()) == overall["lead_time_days"]["samples"]
    assert overall["wip"] == sum(s["wip"] for s in flow["by_source"])
    growth = api.get("/api/v1/flow?team=growth").json()["overall"]
    assert growth["cycle_time_days"]["samples"] == 0
    assert growth["wip"] == 8
    assert api.get("/api/v1/flow?weeks=0").status_code == 422
    assert len(list(csv.DictReader(io.StringIO(api.get("/api/v1/flow?format=csv").text)))) == 1 + len(flow["by_source"])


def test_reports_as_json_markdown_and_html(api: TestClient, seeded: Seeded) -> None:
    listing = api.get("/api/v1/reports").json()["items"]
    assert [r["id"] for r in listing] == [seeded.report_id]
    as_json = api.get(f"/api/v1/reports/{seeded.report_id}")
    assert as_json.json()["hygiene"] == {"payments": 81.5}
    as_md = api.get(f"/api/v1/reports/{seeded.report_id}?format=md")
    assert as_md.headers["content-type"].startswith("text/markdown")
    assert as_md.text.startswith("# Backlog hygiene")
    as_html = api.get(f"/api/v1/reports/{seeded.report_id}?format=html")
    assert as_html.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in as_html.headers["content-security-policy"]
    assert api.get(f"/api/v1/reports/{seeded.report_id}?format=pdf").status_code == 422
    assert api.get("/api/v1/reports/999999").status_code == 404
    assert api.get(f"/api/v1/reports?since={TODAY}").json()["items"] == []


def test_connection_triggers_are_injected_and_answer_202(seeded: Seeded, make_app: AppFactory) -> None:
    checked: list[str] = []
    synced: list[tuple[str, str]] = []

    def sync(name: str, kind: str) -> int:
        synced.append((name, kind))
        return 4242

    app = make_app(app_options={"connection_triggers": ConnectionTriggers(check=checked.append, sync=sync)})
    with TestClient(app, headers=bearer(seeded.admin_key)) as client:
        check = client.post("/api/v1/connections/jira/check")
        full = client.post("/api/v1/connections/trello/sync", json={"kind": "full"})
        default = client.post("/api/v1/connections/asana/sync")
        assert client.post("/api/v1/connections/nope/sync").status_code == 404
        assert client.post("/api/v1/connections/jira/sync", json={"kind": "full", "owner": "me"}).status_code == 422
        viewer = client.post("/api/v1/connections/jira/sync", headers=bearer(seeded.viewer_key))
    assert (check.status_code, check.json()["action"]) == (202, "check")
    assert (full.status_code, full.json()["run_id"], full.json()["kind"]) == (202, 4242, "full")
    assert default.json()["kind"] == "incremental"
    assert viewer.status_code == 403
    assert checked == ["jira"]
    assert synced == [("trello", "full"), ("asana", "incremental")]


def test_default_triggers_accept_without_a_run_id(api: TestClient) -> None:
    response = api.post("/api/v1/connections/jira/sync")
    assert (response.status_code, response.json()["run_id"], response.json()["status"]) == (202, None, "accepted")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/sync/runs", "/api/v1/connections", "/api/v1/reports", "/api/v1/teams", "/api/v1/findings"],
)
def test_every_list_answers_csv_to_the_accept_header(api: TestClient, path: str) -> None:
    response = api.get(path, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert len(response.text.splitlines()) >= 2
