"""The puller's page logic against a scripted client: changelog completion, P10, P12, held sub-tasks, cursors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from connectors.errors import BadRequest
from connectors.jira.client import JiraClient
from connectors.jira.discovery import SiteFacts
from connectors.jira.pull import HOLD_LIMIT, IssuePuller
from connectors.records import Batch
from tests.connectors.jira import payloads as p
from tests.connectors.jira.test_mapping import SCHEMA

FACTS = SiteFacts(
    schema=SCHEMA,
    projects=(),
    boards=(),
    statuses=(),
    time_zone=ZoneInfo("America/New_York"),
    myself={},
)


def project_facts() -> SiteFacts:
    from connectors.records import ContainerIn
    from models.enums import ContainerKind

    project = ContainerIn(kind=ContainerKind.PROJECT, external_id="10100", name="Payments", key="PAY")
    return SiteFacts(schema=SCHEMA, projects=(project,), boards=(), statuses=(), time_zone=FACTS.time_zone, myself={})


def stamp(minute: int) -> str:
    moment = datetime(2026, 2, 3, 10, tzinfo=UTC) + timedelta(minutes=minute)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def numbered(n: int, **kwargs: Any) -> dict[str, Any]:
    return p.issue(str(20000 + n), key=f"PAY-{n}", updated=stamp(n), **kwargs)


@dataclass
class ScriptedClient:
    """Answers ``search_page`` from a list of pages (by token) and records every call."""

    pages: list[list[dict[str, Any]]]
    searches: list[tuple[str, str | None]] = field(default_factory=list)
    bulk_calls: list[tuple[list[str], list[str]]] = field(default_factory=list)
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    parents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refuse_token: Callable[[str, int], bool] = lambda token, calls: False
    edit_page: Callable[[int, int, list[dict[str, Any]]], list[dict[str, Any]]] = lambda index, call, issues: issues

    def search_page(
        self,
        jql: str,
        *,
        fields: Sequence[str],
        expand: str | None = None,
        token: str | None = None,
        max_results: int = 100,
    ) -> dict[str, Any]:
        self.searches.append((jql, token))
        if jql.startswith("id in"):
            wanted = jql.split("(")[1].split(")")[0].split(", ")
            return {"issues": [self.parents[i] for i in wanted if i in self.parents], "isLast": True}
        if token is not None and self.refuse_token(token, len(self.searches)):
            raise BadRequest("HTTP 400: The provided next page token is invalid or expired.", status=400)
        index = 0 if token is None else int(token)
        calls = sum(1 for _, t in self.searches if t == token and not _.startswith("id in"))
        issues = self.edit_page(index, calls, [dict(issue) for issue in self.pages[index]])
        body: dict[str, Any] = {"issues": issues, "isLast": index == len(self.pages) - 1}
        if index < len(self.pages) - 1:
            body["nextPageToken"] = str(index + 1)
        return body

    def bulk_changelogs(self, issue_ids: Sequence[str], field_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        self.bulk_calls.append((list(issue_ids), list(field_ids)))
        return {issue_id: self.histories.get(issue_id, []) for issue_id in issue_ids}


def pull(client: ScriptedClient, cursor: str | None = None) -> tuple[list[Batch], IssuePuller]:
    puller = IssuePuller(cast(JiraClient, client), project_facts())
    return list(puller.pull(cursor)), puller


def test_a_truncated_changelog_is_completed_in_one_bulk_read_per_page() -> None:
    every = [
        p.history(
            i,
            stamp(-100 + i),
            p.change("status", "status", "10001", "To Do", "10002", "In Progress")
            if i % 2
            else p.change("status", "status", "10002", "In Progress", "10001", "To Do"),
        )
        for i in range(1, 61)
    ]
    truncated = numbered(1, histories=every[-40:], total=60)
    complete = numbered(2, histories=every[:3])
    client = ScriptedClient(pages=[[truncated, complete]], histories={"20001": every[:20]})
    batches, _ = pull(client)
    (issue_ids, fields), *more = client.bulk_calls
    assert not more
    assert issue_ids == ["20001"]
    assert fields == ["status", "assignee", "resolution", p.SPRINT, p.STORY_POINTS, p.FLAGGED]
    items = {item.external_id: item for batch in batches for item in batch.items}
    assert [t.event_id for t in items["20001"].transitions] == [str(i) for i in range(1, 61)]
    assert items["20001"].version == "00000000000000000060"
    assert len(items["20002"].transitions) == 3


@pytest.mark.reliability
def test_an_invalid_page_token_restarts_a_full_crawl_not_a_skip() -> None:
    pages = [[numbered(n) for n in range(start, start + 3)] for start in (1, 4, 7)]
    client = ScriptedClient(pages=pages, refuse_token=lambda token, calls: token == "2" and calls < 5)
    batches, puller = pull(client, cursor=datetime(2026, 2, 3, 9, tzinfo=UTC).isoformat())
    assert puller.recrawls == 1
    jqls = [jql for jql, _ in client.searches]
    assert "updated >=" in jqls[0]
    assert "updated >=" not in jqls[-1], "the re-crawl reads everything"
    seen = [item.external_id for batch in batches for item in batch.items]
    assert set(seen) == {str(20000 + n) for n in range(1, 10)}
    assert len(seen) == len(set(seen)), "issues already yielded in this pull are not yielded again"
    assert batches[-1].cursor is not None
    assert batches[-1].cursor.value == datetime(2026, 2, 3, 10, 9, tzinfo=UTC).isoformat()


@pytest.mark.reliability
def test_a_token_refused_again_and_again_fails_the_pull() -> None:
    pages = [[numbered(1)], [numbered(2)]]
    client = ScriptedClient(pages=pages, refuse_token=lambda token, calls: True)
    with pytest.raises(BadRequest):
        pull(client)


def break_item_57(index: int, call: int, issues: list[dict[str, Any]], *, calls_broken: int) -> list[dict[str, Any]]:
    if index == 0 and call <= calls_broken:
        issues[56] = {**issues[56], "fields": {**issues[56]["fields"], "updated": "not a time"}}
    return issues


def hundred() -> list[list[dict[str, Any]]]:
    return [[numbered(n) for n in range(1, 101)], [numbered(n) for n in range(101, 121)]]


@pytest.mark.reliability
def test_p12_a_page_with_a_bad_item_is_read_again_and_a_recovered_item_is_kept() -> None:
    client = ScriptedClient(pages=hundred(), edit_page=lambda i, c, issues: break_item_57(i, c, issues, calls_broken=1))
    batches, puller = pull(client)
    assert [token for _, token in client.searches] == [None, None, "1"], "page 1 read twice"
    assert puller.quarantined == 0
    assert not any(batch.quarantined for batch in batches)
    assert len({item.external_id for batch in batches for item in batch.items}) == 120


@pytest.mark.reliability
def test_p12_an_item_that_stays_invalid_is_quarantined_with_its_raw_json_and_nothing_else_is_skipped() -> None:
    client = ScriptedClient(
        pages=hundred(), edit_page=lambda i, c, issues: break_item_57(i, c, issues, calls_broken=99)
    )
    batches, puller = pull(client)
    first = batches[0]
    (bad,) = first.quarantined
    assert bad.external_id == "20057"
    assert bad.raw["fields"]["updated"] == "not a time"
    assert "timestamp" in bad.reason
    assert len(first.items) == 99
    assert puller.quarantined == 1
    stored = {item.external_id for batch in batches for item in batch.items}
    assert stored == {str(20000 + n) for n in range(1, 121)} - {"20057"}
    assert first.cursor is not None
    assert first.cursor.value == datetime(2026, 2, 3, 11, 40, tzinfo=UTC).isoformat()  # item 100


def test_a_subtask_waits_for_its_parent_and_the_cursor_never_passes_it() -> None:
    subtask_kind = p.issue_type("Subtask", subtask=True, level=-1)
    story = numbered(5, parent=p.epic_parent())
    subtask = numbered(2, parent=p.story_parent(story["id"], story["key"]), kind=subtask_kind)
    pages = [[numbered(1), subtask, numbered(3)], [numbered(4), story, numbered(6)]]
    client = ScriptedClient(pages=pages)
    batches, _ = pull(client)
    first, second = batches
    assert [i.external_id for i in first.items] == ["20001", "20003"]
    assert first.cursor is not None
    assert first.cursor.value == datetime(2026, 2, 3, 10, 2, tzinfo=UTC).isoformat(), "held at the sub-task"
    released = {i.external_id: i for i in second.items}
    assert released["20002"].epic_external_id == "10001"
    assert not any(jql.startswith("id in") for jql, _ in client.searches), "no extra read: the parent came by"


def test_held_subtasks_whose_parents_never_come_are_resolved_in_one_search() -> None:
    subtask_kind = p.issue_type("Subtask", subtask=True, level=-1)
    orphans = [
        numbered(n, parent=p.story_parent(str(30000 + n), f"PAY-{900 + n}"), kind=subtask_kind)
        for n in range(1, HOLD_LIMIT + 6)
    ]
    parents = {
        str(30000 + n): {"id": str(30000 + n), "key": f"PAY-{900 + n}", "fields": {"parent": p.epic_parent()}}
        for n in range(1, HOLD_LIMIT + 6)
    }
    pages = [orphans[i : i + 50] for i in range(0, len(orphans), 50)]
    client = ScriptedClient(pages=pages, parents=parents)
    batches, _ = pull(client)
    lookups = [jql for jql, _ in client.searches if jql.startswith("id in")]
    assert len(lookups) == 2  # 100 held: one search at the limit, then the last 5 at the end
    items = [item for batch in batches for item in batch.items]
    assert len(items) == HOLD_LIMIT + 5
    assert all(item.epic_external_id == "10001" for item in items)
    assert batches[-1].cursor is not None
