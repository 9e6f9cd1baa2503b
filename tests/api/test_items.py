"""/api/v1/items: filters, sorts, keyset pages that cover every row once, totals, tombstones, one item, CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.seed import TODAY, Seeded


def keys(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["key"] or item["external_id"] for item in response.json()["items"]]


def every_page(api: TestClient, query: str, limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        url = f"/api/v1/items?{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(url).json()
        assert len(page["items"]) <= limit
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("sort", ["updated", "-updated", "created", "due", "key", "status"])
def test_pages_cover_every_item_once_in_sort_order(api: TestClient, sort: str) -> None:
    everything = api.get(f"/api/v1/items?sort={sort}&limit=500").json()["items"]
    paged = every_page(api, f"sort={sort}", limit=7)
    assert [i["id"] for i in paged] == [i["id"] for i in everything]
    assert len({i["id"] for i in paged}) == len(paged) == 65  # 41 Jira (one tombstoned) + 15 Trello + 10 Asana
    field = {"updated": "updated_at", "-updated": "updated_at", "created": "created_at", "due": "due", "key": "key"}
    if sort in field:
        values = [i[field[sort]] for i in paged]
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=sort.startswith("-"))
        assert values == present + [None] * (len(values) - len(present))  # NULLs last


def test_filters_narrow_the_list(api: TestClient, seeded: Seeded) -> None:
    alice = seeded.people["alice@acme.example"]
    assert set(keys(api.get("/api/v1/items?source=asana&limit=500"))) == {f"120000000{n:04d}" for n in range(1, 11)}
    assert len(keys(api.get("/api/v1/items?connection=trello&limit=500"))) == 15
    assert keys(api.get("/api/v1/items?connection=nope")) == []
    design = keys(api.get("/api/v1/items?team=design&limit=500"))
    assert len(design) == 15
    assert all(k.startswith("tr") for k in design)
    assert len(keys(api.get("/api/v1/items?team=growth&limit=500"))) == 10
    assert keys(api.get("/api/v1/items?team=nobody")) == []
    doing = keys(api.get(f"/api/v1/items?container={seeded.containers['Doing']}&limit=500"))
    assert doing
    assert all(k.startswith("tr") for k in doing)
    in_progress = api.get("/api/v1/items?status_category=in_progress&status_category=todo&limit=500").json()["items"]
    assert {i["status_category"] for i in in_progress} == {"in_progress", "todo"}
    mine = api.get(f"/api/v1/items?assignee={alice}&limit=500").json()["items"]
    assert {i["assignee"] for i in mine} == {"Alice Martin"}
    assert {i["source"] for i in mine} == {
        "jira",
        "trello",
        "asana",
    }
    assert all(i["assignee_id"] is None for i in api.get("/api/v1/items?assignee=none&limit=500").json()["items"])
    assert all("customer" in i["labels"] for i in api.get("/api/v1/items?label=customer&limit=500").json()["items"])
    assert set(keys(api.get("/api/v1/items?type=epic"))) == {"PAY-1"}
    assert set(keys(api.get("/api/v1/items?rule=R02"))) == {"PAY-11"}
    assert set(keys(api.get("/api/v1/items?has_finding=true"))) == {"PAY-11", "PAY-15", "tr4"}
    assert "PAY-11" not in keys(api.get("/api/v1/items?has_finding=false&limit=500"))
    assert all(i["due"] < str(TODAY) for i in api.get(f"/api/v1/items?due_before={TODAY}&limit=500").json()["items"])
    recent = api.get("/api/v1/items?updated_since=2026-11-22T09:00:00Z&limit=500").json()["items"]
    assert recent
    assert all(i["updated_at"] >= "2026-11-22T09:00:00Z" for i in recent)
    assert keys(api.get("/api/v1/items?q=PAY-12")) == ["PAY-12"]
    assert set(keys(api.get("/api/v1/items?q=experiment 1&limit=500"))) == {"1200000000001", "1200000000010"}
    assert keys(api.get("/api/v1/items?q=100%25")) == []  # % is matched literally, not as a wildcard


def test_sprint_and_epic_filters(api: TestClient, seeded: Seeded) -> None:
    in_sprint = keys(api.get(f"/api/v1/items?sprint={seeded.sprints['s14']}&limit=500"))
    assert in_sprint
    assert all(int(k.split("-")[1]) % 3 == 0 for k in in_sprint)
    children = set(keys(api.get(f"/api/v1/items?epic={seeded.items['PAY-1']}&limit=500")))
    assert {f"PAY-{n}" for n in range(2, 20)} | {"tr1", "tr2", "tr3"} == children  # Jira children + linked cards


def test_total_on_request_only(api: TestClient) -> None:
    assert api.get("/api/v1/items?limit=2").json()["total"] is None
    page = api.get("/api/v1/items?limit=2&include_total=true&source=trello").json()
    assert page["total"] == 15
    assert len(page["items"]) == 2


def test_tombstones_are_left_out_unless_asked(api: TestClient, seeded: Seeded) -> None:
    gone = seeded.items["PAY-41"]
    assert "PAY-41" not in keys(api.get("/api/v1/items?limit=500"))
    assert "PAY-41" in keys(api.get("/api/v1/items?limit=500&include_deleted=true"))
    assert api.get(f"/api/v1/items/{gone}").status_code == 404
    detail = api.get(f"/api/v1/items/{gone}?include_deleted=true").json()
    assert detail["deleted_at"] is not None


def test_one_item_with_history_findings_links_labels_and_sprints(api: TestClient, seeded: Seeded) -> None:
    item = api.get(f"/api/v1/items/{seeded.items['PAY-12']}").json()
    assert (item["key"], item["team"], item["container"], item["assignee"]) == (
        "PAY-12",
        "payments",
        "Payments",
        "Bruno Costa",
    )
    assert [t["to_value"] for t in item["transitions"]] == ["To Do", "In Progress"]
    assert [s["name"] for s in item["sprints"]] == ["PAY Sprint 13", "PAY Sprint 14"]
    eleven = api.get(f"/api/v1/items/{seeded.items['PAY-11']}").json()
    assert {f["rule_id"] for f in eleven["findings"]} == {"R02", "R08"}
    assert eleven["open_findings"] == 2
    blocker = api.get(f"/api/v1/items/{seeded.items['PAY-2']}").json()
    assert blocker["links"] == [
        {
            "direction": "outgoing",
            "link_type": "blocks",
            "origin": "explicit",
            "target_ref": "PAY-3",
            "other_item_id": seeded.items["PAY-3"],
        }
    ]
    blocked = api.get(f"/api/v1/items/{seeded.items['PAY-3']}").json()
    assert blocked["links"][0]["direction"] == "incoming"
    labelled = api.get(f"/api/v1/items/{seeded.items['PAY-10']}").json()
    assert labelled["labels"] == ["platform", "tech-debt"]
    assert api.get("/api/v1/items/999999").status_code == 404


def test_bad_cursors_and_sorts_are_422(api: TestClient) -> None:
    cursor = api.get("/api/v1/items?limit=1&sort=due").json()["next_cursor"]
    assert api.get(f"/api/v1/items?limit=1&sort=key&cursor={cursor}").status_code == 422  # another sort's cursor
    for bad in ("abc", "eyJ4IjoxfQ", "WyJkdWUiLCJ2IiwieCIsMV0"):
        response = api.get(f"/api/v1/items?sort=due&cursor={bad}")
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"
    assert api.get("/api/v1/items?sort=title").status_code == 422


def test_csv_streams_every_row_with_a_header(api: TestClient) -> None:
    for response in (
        api.get("/api/v1/items?format=csv&source=trello"),
        api.get("/api/v1/items?source=trello", headers={"Accept": "text/csv"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="items.csv"' in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert len(rows) == 15
        assert rows[0].keys() >= {"id", "key", "title", "status_category", "team", "labels"}
    json_anyway = api.get("/api/v1/items?format=json", headers={"Accept": "text/csv"})
    assert json_anyway.headers["content-type"] == "application/json"
    card = next(r for r in csv.DictReader(io.StringIO(api.get("/api/v1/items?format=csv&q=HYPERLINK").text)))
    assert card["title"].startswith("'=HYPERLINK")  # a spreadsheet will not run it


def test_csv_export_ignores_page_size(api: TestClient) -> None:
    response = api.get("/api/v1/items?format=csv&limit=1")
    assert len(list(csv.DictReader(io.StringIO(response.text)))) == 65


@pytest.mark.parametrize("sort", ["updated", "-updated", "created", "due", "key", "status"])
@pytest.mark.parametrize("narrowing", ["label", "rule", "label+team"])
def test_a_label_or_rule_pages_in_the_same_order_as_the_whole_list(api: TestClient, sort: str, narrowing: str) -> None:
    """Selective labels and rules page from their short id list (ordered in Python): the same rows, in the same
    order, with the same NULLs-last cursors as the database's own ordering of the whole list."""
    everything = api.get(f"/api/v1/items?sort={sort}&limit=500").json()["items"]
    label = max(
        {label for item in everything for label in item["labels"]},
        key=lambda name: sum(name in i["labels"] for i in everything),
    )
    with_finding = api.get("/api/v1/findings?limit=500").json()["items"]
    rule = max({f["rule_id"] for f in with_finding}, key=lambda r: sum(f["rule_id"] == r for f in with_finding))
    ruled = {f["work_item_id"] for f in with_finding if f["rule_id"] == rule}
    query, expected = {
        "label": (f"label={label}", [i["id"] for i in everything if label in i["labels"]]),
        "rule": (f"rule={rule}", [i["id"] for i in everything if i["id"] in ruled]),
        "label+team": (
            f"label={label}&team=payments",
            [i["id"] for i in everything if label in i["labels"] and i["team"] == "payments"],
        ),
    }[narrowing]
    assert len(expected) >= 2  # several pages of two
    assert [i["id"] for i in every_page(api, f"{query}&sort={sort}", limit=2)] == expected
