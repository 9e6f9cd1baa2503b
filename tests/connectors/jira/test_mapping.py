"""Pure mapping from Jira JSON to normalised records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.jira.mapping import (
    IssueMappingError,
    JiraSchema,
    category_of,
    find_estimate_field,
    format_jql_time,
    issue_version,
    map_board,
    map_issue,
    map_status,
    map_user,
    parse_jira_time,
    parse_sprint_value,
    search_jql,
    updated_since_clause,
)
from models.enums import ItemType, LinkOrigin, SprintState, StatusCategory
from tests.connectors.jira import payloads as p

SCHEMA = JiraSchema(
    site_url=p.SITE,
    estimate_field=p.STORY_POINTS,
    sprint_field=p.SPRINT,
    flagged_field=p.FLAGGED,
    category_by_status_id={sid: cat for sid, (_, cat) in p.STATUSES.items()},
    category_by_status_name={name.lower(): cat for name, cat in p.STATUSES.values()},
)


# ----- statuses ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "category", "resolution", "expected"),
    [
        ("To Do", "new", None, StatusCategory.TODO),
        ("Selected for Development", "new", None, StatusCategory.TODO),
        ("Backlog", "new", None, StatusCategory.BACKLOG),
        ("backlog ", "new", None, StatusCategory.BACKLOG),
        ("In Progress", "indeterminate", None, StatusCategory.IN_PROGRESS),
        ("Blocked", "indeterminate", None, StatusCategory.IN_PROGRESS),
        ("Done", "done", "Done", StatusCategory.DONE),
        ("Done", "done", None, StatusCategory.DONE),
        ("Won't Do", "done", "Won't Do", StatusCategory.CANCELLED),
        ("Won\u2019t Do", "done", None, StatusCategory.CANCELLED),
        ("Closed", "done", "Won't Fix", StatusCategory.CANCELLED),
        ("Closed", "done", "Duplicate", StatusCategory.CANCELLED),
        ("Cancelled", "done", None, StatusCategory.CANCELLED),
        ("To Do", "new", "Done", StatusCategory.TODO),  # an open issue with a stray resolution stays open
        ("Triage", "undefined", None, None),
        ("Anything", None, None, None),
        ("Anything", "a-category-jira-invents-tomorrow", None, None),
    ],
)
def test_jira_categories_read_as_baton_categories(
    name: str, category: str | None, resolution: str | None, expected: StatusCategory | None
) -> None:
    assert category_of(name, category, resolution) == expected


def test_an_unmapped_status_becomes_unknown_and_never_raises() -> None:
    raw = p.issue(status_id="10006")
    item = map_issue(raw, SCHEMA)
    assert item.status_raw == "Triage"
    assert item.status_category is StatusCategory.UNKNOWN
    del raw["fields"]["status"]["statusCategory"]
    assert map_issue(raw, SCHEMA).status_category is StatusCategory.UNKNOWN
    assert map_status({"name": "Odd"}, SCHEMA.classify, None).category is StatusCategory.UNKNOWN


def test_the_policy_classifier_decides_with_the_vendor_category_and_the_project() -> None:
    calls: list[tuple[str, StatusCategory | None, str | None]] = []

    def classify(raw: str, vendor: StatusCategory | None, container: str | None) -> StatusCategory:
        calls.append((raw, vendor, container))
        return StatusCategory.TODO if raw == "Triage" else vendor or StatusCategory.UNKNOWN

    schema = JiraSchema(site_url=p.SITE, classify=classify, category_by_status_id=SCHEMA.category_by_status_id)
    assert map_issue(p.issue(status_id="10006"), schema).status_category is StatusCategory.TODO
    assert ("Triage", None, "10100") in calls


# ----- issues -----------------------------------------------------------------------------------------------


def test_an_issue_maps_field_by_field() -> None:
    raw = p.issue(
        parent=p.epic_parent(),
        sprints=[p.sprint(7, "closed", complete="2026-01-19T10:00:00.000Z"), p.sprint(8, "active")],
    )
    item = map_issue(raw, SCHEMA)
    assert item.external_id == "10057"
    assert item.key == "PAY-57"
    assert item.type is ItemType.STORY
    assert item.status_raw == "In Progress"
    assert item.status_category is StatusCategory.IN_PROGRESS
    assert item.assignee_external_id == "acc-1"
    assert item.reporter_external_id == "acc-2"
    assert item.labels == ("checkout", "customer")
    assert item.priority == "Medium"
    assert item.estimate == 5.0
    assert item.due == date(2026, 2, 20)
    assert item.created_at == datetime(2026, 1, 2, 8, tzinfo=UTC)
    assert item.updated_at == datetime(2026, 2, 3, 10, 15, 30, 250_000, tzinfo=UTC)
    assert item.updated_at.tzinfo is UTC
    assert item.container_external_id == "10100"
    assert item.parent_external_id == "10001"
    assert item.epic_external_id == "10001"
    assert item.sprint_external_id == "8"
    assert item.url == f"{p.SITE}/browse/PAY-57"
    assert item.description == "Steps to reproduce"
    assert item.flagged is False
    assert {(link.target_ref, link.link_type, link.origin) for link in item.links} == {
        ("PAY-58", "blocks", LinkOrigin.EXPLICIT),
        ("PAY-20", "relates to", LinkOrigin.EXPLICIT),
        ("https://trello.com/c/AbCd1234/12-fix", "mentions", LinkOrigin.MENTION),
        ("https://app.asana.com/0/1200/1300", "mentions", LinkOrigin.MENTION),
    }


def test_raw_is_trimmed_to_ids_and_names() -> None:
    item = map_issue(p.issue(parent=p.epic_parent()), SCHEMA)
    text = repr(item.raw)
    assert "avatar" not in text
    assert "self" not in item.raw
    assert "http" not in text
    assert item.raw["fields"]["status"] == {"id": "10002", "name": "In Progress", "category": "indeterminate"}
    assert len(text) < 600


def test_a_subtask_takes_its_parents_epic_and_an_epic_has_none() -> None:
    subtask = p.issue(kind=p.issue_type("Subtask", subtask=True, level=-1), parent=p.story_parent())
    assert map_issue(subtask, SCHEMA, epic_of={"10050": "10001"}).epic_external_id == "10001"
    assert map_issue(subtask, SCHEMA, epic_of={}).epic_external_id is None
    epic = map_issue(p.issue(kind=p.issue_type("Epic", level=1)), SCHEMA)
    assert epic.type is ItemType.EPIC
    assert epic.epic_external_id is None


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (p.issue_type("Bug"), ItemType.BUG),
        (p.issue_type("Task"), ItemType.TASK),
        (p.issue_type("Sub-task", subtask=True, level=-1), ItemType.SUBTASK),
        (p.issue_type("Initiative", level=1), ItemType.EPIC),
        (p.issue_type("Spike"), ItemType.OTHER),
    ],
)
def test_issue_types(kind: dict[str, object], expected: ItemType) -> None:
    assert map_issue(p.issue(kind=kind), SCHEMA).type is expected


def test_done_with_a_wont_do_resolution_is_cancelled() -> None:
    assert (
        map_issue(p.issue(status_id="10004", resolution="Won't Do"), SCHEMA).status_category is StatusCategory.CANCELLED
    )
    assert map_issue(p.issue(status_id="10004", resolution="Done"), SCHEMA).status_category is StatusCategory.DONE
    assert (
        map_issue(p.issue(status_id="10005", resolution="Won't Do"), SCHEMA).status_category is StatusCategory.CANCELLED
    )


def test_the_flag_and_an_empty_estimate() -> None:
    raw = p.issue(**{p.FLAGGED: [{"value": "Impediment", "id": "10019"}], p.STORY_POINTS: None})
    item = map_issue(raw, SCHEMA)
    assert item.flagged is True
    assert item.estimate is None


@pytest.mark.parametrize(
    "breakage",
    [
        lambda raw: raw.pop("fields"),
        lambda raw: raw["fields"].update(updated="yesterday"),
        lambda raw: raw["fields"].update(updated=None),
        lambda raw: raw["fields"].update(status=None),
        lambda raw: raw["fields"].update(labels="not-a-list"),
        lambda raw: raw["fields"].update(duedate="20/02/2026"),
        lambda raw: raw["fields"].update({p.STORY_POINTS: {"points": 3}}),
        lambda raw: raw["changelog"].update(histories=[{"id": "1", "created": "never", "items": []}]),
        lambda raw: raw.pop("id"),
    ],
)
def test_a_malformed_issue_raises_a_mapping_error(breakage: object) -> None:
    raw = p.issue(histories=[p.history(1, "2026-01-03T09:00:00.000+0000")])
    breakage(raw)  # type: ignore[operator]
    with pytest.raises(IssueMappingError):
        map_issue(raw, SCHEMA)


# ----- history ----------------------------------------------------------------------------------------------


def test_changelog_becomes_transitions_with_categories_and_event_ids() -> None:
    histories = [
        p.history(
            101,
            "2026-01-03T09:00:00.000+0000",
            p.change("status", "status", "10001", "To Do", "10002", "In Progress"),
            p.change("assignee", "assignee", None, None, "acc-1", "Ana"),
        ),
        p.history(102, "2026-01-04T09:00:00.000+0000", p.change("Sprint", p.SPRINT, None, None, "7", "Sprint 7")),
        p.history(
            103,
            "2026-01-20T09:00:00.000+0000",
            p.change("Sprint", p.SPRINT, "7", "Sprint 7", "7, 8", "Sprint 7, Sprint 8"),
            p.change("Story point estimate", p.STORY_POINTS, None, "3", None, "5"),
            p.change("Rank", "customfield_10246", None, None, None, "Ranked higher"),
        ),
        p.history(
            104,
            "2026-01-21T09:00:00.000+0000",
            p.change("status", "status", "10002", "In Progress", "10005", "Won't Do"),
        ),
        p.history(105, "2026-01-22T09:00:00.000+0000", p.change("description", "description", None, "a", None, "b")),
    ]
    item = map_issue(p.issue(histories=histories, sprints=[p.sprint(7, "closed"), p.sprint(8, "active")]), SCHEMA)
    got = [(t.event_id, t.field, t.from_value, t.to_value, t.from_category, t.to_category) for t in item.transitions]
    assert got == [
        ("101", "assignee", None, "acc-1", None, None),
        ("101", "status", "To Do", "In Progress", StatusCategory.TODO, StatusCategory.IN_PROGRESS),
        ("102", "sprint", None, "7", None, None),
        ("103", "estimate", "3", "5", None, None),
        ("103", "sprint", "7", "7,8", None, None),
        ("104", "status", "In Progress", "Won't Do", StatusCategory.IN_PROGRESS, StatusCategory.CANCELLED),
        ("105", "description", "a", "b", None, None),  # untracked fields are activity; a re-rank is not
    ]
    assert all(t.author_external_id == "acc-1" for t in item.transitions)
    assert item.version == "00000000000000000105"
    memberships = {m.sprint_external_id: m for m in item.sprints}
    assert memberships["7"].added_at == datetime(2026, 1, 4, 9, tzinfo=UTC)
    assert memberships["8"].added_at == datetime(2026, 1, 20, 9, tzinfo=UTC)
    assert all(m.removed_at is None for m in item.sprints)


def test_a_sprint_left_and_no_longer_listed_has_its_removal_time() -> None:
    histories = [
        p.history(1, "2026-01-04T09:00:00.000+0000", p.change("Sprint", p.SPRINT, None, None, "8", "Sprint 8")),
        p.history(2, "2026-01-06T09:00:00.000+0000", p.change("Sprint", p.SPRINT, "8", "Sprint 8", None, None)),
    ]
    item = map_issue(p.issue(histories=histories, sprints=None), SCHEMA)
    assert item.sprint_external_id is None
    (membership,) = item.sprints
    assert (membership.sprint_external_id, membership.removed_at) == ("8", datetime(2026, 1, 6, 9, tzinfo=UTC))


def test_a_sprint_without_history_counts_from_creation() -> None:
    item = map_issue(p.issue(sprints=[p.sprint(8, "active")]), SCHEMA)
    (membership,) = item.sprints
    assert membership.added_at == item.created_at


def test_current_sprint_prefers_active_then_future_then_latest_closed() -> None:
    closed_late = p.sprint(9, "closed", complete="2026-02-01T10:00:00.000Z")
    closed_early = p.sprint(7, "closed", complete="2026-01-05T10:00:00.000Z")
    assert map_issue(p.issue(sprints=[closed_late, closed_early]), SCHEMA).sprint_external_id == "9"
    assert map_issue(p.issue(sprints=[closed_late, p.sprint(11, "future")]), SCHEMA).sprint_external_id == "11"
    assert (
        map_issue(p.issue(sprints=[p.sprint(11, "future"), p.sprint(10, "active")]), SCHEMA).sprint_external_id == "10"
    )


def test_legacy_sprint_strings_are_read() -> None:
    ref = parse_sprint_value(
        "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=42,rapidViewId=3,state=ACTIVE,name=Sprint 42,"
        "startDate=2026-01-05T09:00:00.000Z,endDate=<null>,completeDate=<null>,sequence=42,goal=]"
    )
    assert ref is not None
    assert (ref.external_id, ref.state, ref.board_external_id, ref.end_at) == ("42", SprintState.ACTIVE, "3", None)


def test_version_is_the_zero_padded_latest_changelog_id() -> None:
    assert issue_version([{"id": "9"}, {"id": "12"}, {"id": "10"}]) == "00000000000000000012"
    assert issue_version([]) == ""
    assert issue_version([{"id": "100"}]) > issue_version([{"id": "99"}]), "sortable as text"


# ----- discovery shapes -------------------------------------------------------------------------------------


def test_estimate_field_is_discovered_never_hard_coded() -> None:
    fields = [
        {"id": "customfield_10016", "name": "Story Points", "custom": True, "schema": {"custom": "x:float"}},
        {
            "id": "customfield_19999",
            "name": "Story point estimate",
            "custom": True,
            "schema": {"custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
        },
        {"id": "customfield_12345", "name": "Points (board)", "custom": True, "schema": {"custom": "x:float"}},
    ]
    board = {"estimation": {"type": "field", "field": {"fieldId": "customfield_12345"}}}
    assert find_estimate_field(fields, [board]) == "customfield_12345"
    assert find_estimate_field(fields, []) == "customfield_19999"
    assert find_estimate_field(fields[:1], []) == "customfield_10016"
    assert find_estimate_field([], []) is None


def test_boards_hang_under_their_project() -> None:
    board = {"id": 3, "name": "PAY board", "type": "scrum", "location": {"projectId": 10100, "projectKey": "PAY"}}
    assert map_board(board, p.SITE, {"PAY": "10100"}).parent_external_id == "10100"
    keyed = {"id": 3, "name": "PAY board", "location": {"projectKeyOrId": "PAY"}}
    assert map_board(keyed, p.SITE, {"PAY": "10100"}).parent_external_id == "10100"


def test_users_bots_and_empty_assignees() -> None:
    assert map_user(None) is None
    assert map_user({"displayName": "no account"}) is None
    bot = map_user(p.user("app-1", "Automation for Jira", app=True))
    assert bot is not None
    assert bot.is_bot
    human = map_user(p.user("acc-1", "Ana", "ana@example.com"))
    assert human is not None
    assert (human.email, human.is_bot) == ("ana@example.com", False)


# ----- time -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-18T23:45:00.000+0000",
        "2026-01-19T09:45:00.000+10:00",
        "2026-01-18T23:45:00.000Z",
        "2026-01-18T23:45:00Z",
    ],
)
def test_jira_timestamps_become_aware_utc(text: str) -> None:
    assert parse_jira_time(text) == datetime(2026, 1, 18, 23, 45, tzinfo=UTC)


def test_incremental_jql_is_written_in_the_searching_users_time_zone() -> None:
    cursor = datetime(2026, 1, 18, 23, 45, 30, tzinfo=UTC)
    new_york = ZoneInfo("America/New_York")
    assert updated_since_clause(cursor, timedelta(minutes=2), new_york) == 'updated >= "2026-01-18 18:43"'
    assert (
        updated_since_clause(cursor, timedelta(minutes=2), ZoneInfo("Asia/Kolkata")) == 'updated >= "2026-01-19 05:13"'
    )
    assert updated_since_clause(cursor, timedelta(minutes=2), UTC) == 'updated >= "2026-01-18 23:43"'


def test_the_overlap_is_never_under_two_minutes_and_the_minute_is_floored() -> None:
    cursor = datetime(2026, 1, 18, 23, 45, 59, 999_000, tzinfo=UTC)
    assert updated_since_clause(cursor, timedelta(0), UTC) == 'updated >= "2026-01-18 23:43"'
    assert updated_since_clause(cursor, timedelta(minutes=10), UTC) == 'updated >= "2026-01-18 23:35"'


def test_the_window_reaches_back_across_daylight_saving_changes() -> None:
    new_york = ZoneInfo("America/New_York")
    # 2026-11-01 06:31 UTC is 01:31 EST, the second 01:31 of the night; Jira reads "01:29" as the first
    # (EDT) one, an hour earlier: the window only widens.
    cursor = datetime(2026, 11, 1, 6, 31, tzinfo=UTC)
    clause = updated_since_clause(cursor, timedelta(minutes=2), new_york)
    assert clause == 'updated >= "2026-11-01 01:29"'
    local = datetime.strptime(clause.split('"')[1], "%Y-%m-%d %H:%M").replace(tzinfo=new_york)
    assert local.astimezone(UTC) == cursor - timedelta(hours=1, minutes=2)
    # Spring forward: 2026-03-08 07:30 UTC is 03:30 EDT; the clause names an existing local time.
    spring = updated_since_clause(datetime(2026, 3, 8, 7, 30, tzinfo=UTC), timedelta(minutes=2), new_york)
    assert spring == 'updated >= "2026-03-08 03:28"'


@pytest.mark.parametrize("minutes", range(0, 24 * 60, 37))
def test_the_jql_window_never_starts_after_cursor_minus_overlap(minutes: int) -> None:
    for zone in (ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kathmandu")):
        cursor = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=minutes, seconds=17)
        text = updated_since_clause(cursor, timedelta(minutes=2), zone).split('"')[1]
        start = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone)  # fold=0: Jira's reading
        assert start.astimezone(UTC) <= cursor - timedelta(minutes=2)


def test_format_needs_an_aware_time_and_the_pull_query_is_bounded() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_jql_time(datetime(2026, 1, 1), UTC)
    assert search_jql(["10100", "10101"]) == "project in (10100, 10101) ORDER BY updated ASC, id ASC"
    assert search_jql(["10100"], 'updated >= "2026-01-01 00:00"').startswith("project in (10100) AND updated >=")
    with pytest.raises(ValueError, match="project"):
        search_jql([])
