"""Pure mapping: Asana task JSON, sections, custom fields and stories -> normalised records."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from connectors.asana.events import effects_of_events
from connectors.asana.history import fold_stories
from connectors.asana.mapping import choose_estimate_field, find_mentions, map_task, section_status, task_version
from connectors.asana.vocabulary import category_of_section, vendor_category
from connectors.config import vendor_category_only
from models.enums import ItemType, LinkOrigin, StatusCategory

PROJECT = "1203000000000000"
POINTS = "1210000000000001"


def task(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "gid": "1205000000000001",
        "name": "Speed up release notes [PAY-12]",
        "resource_subtype": "default_task",
        "completed": False,
        "completed_at": None,
        "created_at": "2026-08-17T19:16:51.775Z",
        "modified_at": "2026-11-24T06:25:30.157Z",
        "due_on": "2026-12-01",
        "due_at": None,
        "assignee": {"gid": "1206000000000065", "email": "omar@acme.example"},
        "created_by": {"gid": "1206000000000063"},
        "memberships": [
            {"project": {"gid": "999"}, "section": {"gid": "s-other", "name": "Doing"}},
            {"project": {"gid": PROJECT}, "section": {"gid": "1204000000000002", "name": "In Progress"}},
        ],
        "parent": {"gid": "1205000000000000"},
        "custom_fields": [
            {"gid": POINTS, "name": "Story Points", "resource_subtype": "number", "number_value": 3},
            {"gid": "cf-type", "name": "Type", "resource_subtype": "enum", "enum_value": {"name": "Story"}},
        ],
        "tags": [{"name": "ux"}, {"name": "tech-debt"}],
        "permalink_url": "https://app.asana.com/0/1203000000000000/1205000000000001",
        "notes": "See https://acme.atlassian.net/browse/WEB-7 and https://trello.com/c/AbCdEfGh/12-card.",
        "num_subtasks": 0,
        "dependencies": [{"gid": "1205000000000009"}],
    }
    return base | overrides


def test_a_task_maps_every_field_from_the_membership_of_its_project() -> None:
    item = map_task(task(), project_gid=PROJECT, estimate_field=POINTS)
    assert item.external_id == "1205000000000001"
    assert (item.status_raw, item.status_category) == ("In Progress", StatusCategory.IN_PROGRESS)
    assert (item.container_external_id, item.subcontainer_external_id) == (PROJECT, "1204000000000002")
    assert item.type is ItemType.STORY
    assert item.estimate == 3.0
    assert item.due == date(2026, 12, 1)
    assert item.labels == ("tech-debt", "ux")
    assert item.assignee_external_id == "1206000000000065"
    assert item.reporter_external_id == "1206000000000063"
    assert item.parent_external_id == "1205000000000000"
    assert item.url == "https://app.asana.com/0/1203000000000000/1205000000000001"
    assert item.updated_at == datetime(2026, 11, 24, 6, 25, 30, 157000, tzinfo=UTC)
    assert item.resolved_at is None
    refs = {(link.target_ref, link.origin) for link in item.links}
    assert ("1205000000000009", LinkOrigin.EXPLICIT) in refs
    assert {("PAY-12", LinkOrigin.MENTION), ("WEB-7", LinkOrigin.MENTION)} <= refs
    assert ("https://trello.com/c/AbCdEfGh/12-card", LinkOrigin.MENTION) in refs


def test_an_unknown_section_name_is_unknown_never_an_exception() -> None:
    membership = [{"project": {"gid": PROJECT}, "section": {"gid": "s", "name": "Waiting on Legal"}}]
    item = map_task(task(memberships=membership), project_gid=PROJECT, estimate_field=POINTS)
    assert item.status_raw == "Waiting on Legal"
    assert item.status_category is StatusCategory.UNKNOWN
    assert section_status("Parking Lot", PROJECT, vendor_category_only).category is StatusCategory.UNKNOWN


def test_a_task_without_any_membership_or_fields_still_maps() -> None:
    item = map_task({"gid": "1"}, project_gid=None, estimate_field=None)
    assert (item.status_category, item.type, item.title) == (StatusCategory.UNKNOWN, ItemType.TASK, "")
    assert item.updated_at.tzinfo is not None


@pytest.mark.parametrize(
    ("section", "completed", "expected"),
    [
        ("In Progress", True, StatusCategory.DONE),
        ("Done", True, StatusCategory.DONE),
        ("Won't Do", True, StatusCategory.CANCELLED),
        ("Won\u2019t  do", True, StatusCategory.CANCELLED),
        ("Needs Love", True, StatusCategory.DONE),
        ("Needs Love", False, None),
        ("backlog", False, StatusCategory.BACKLOG),
        ("QA", False, StatusCategory.IN_PROGRESS),
        ("Doing", False, StatusCategory.IN_PROGRESS),
    ],
)
def test_completed_wins_then_the_section_vocabulary(
    section: str, completed: bool, expected: StatusCategory | None
) -> None:
    assert vendor_category(section, completed) == expected


def test_a_completed_task_is_done_with_its_completion_time() -> None:
    item = map_task(
        task(completed=True, completed_at="2026-11-25T10:00:00.000Z"), project_gid=PROJECT, estimate_field=POINTS
    )
    assert item.status_category is StatusCategory.DONE
    assert item.resolved_at == datetime(2026, 11, 25, 10, tzinfo=UTC)


def test_the_policy_classifier_may_override_the_vocabulary() -> None:
    seen: list[tuple[str, StatusCategory | None, str | None]] = []

    def classify(raw: str, vendor: StatusCategory | None, container: str | None) -> StatusCategory:
        seen.append((raw, vendor, container))
        return StatusCategory.TODO

    item = map_task(task(), project_gid=PROJECT, estimate_field=POINTS, classify=classify)
    assert item.status_category is StatusCategory.TODO
    assert seen == [("In Progress", StatusCategory.IN_PROGRESS, PROJECT)]


def test_the_estimate_field_is_discovered_by_name_never_hard_coded() -> None:
    settings = [
        {"custom_field": {"gid": "a", "name": "Budget", "resource_subtype": "number"}},
        {"custom_field": {"gid": "b", "name": "Story Points", "resource_subtype": "number"}},
        {"custom_field": {"gid": "c", "name": "Type", "resource_subtype": "enum"}},
    ]
    assert choose_estimate_field(settings) == "b"
    assert choose_estimate_field(settings[:1]) == "a"  # the only number field
    assert choose_estimate_field([settings[0], {"custom_field": {"gid": "d", "resource_subtype": "number"}}]) is None
    assert category_of_section("Icebox") is StatusCategory.BACKLOG


def test_versions_sort_by_modification_then_newest_story() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert task_version(moment, "99") < task_version(moment, "1207000000000001")
    assert task_version(moment, "1207000000000001") < task_version(moment.replace(second=1), None)


def test_mentions_ignore_urls_that_are_not_keys() -> None:
    links = find_mentions("see PAY-12, not x-PAY-13 nor https://example.com/PAY-14x")
    assert [link.target_ref for link in links] == ["PAY-12"]


def story(gid: str, at: str, subtype: str, author: str = "u1", **extra: Any) -> dict[str, Any]:
    return {"gid": gid, "created_at": at, "resource_subtype": subtype, "created_by": {"gid": author}} | extra


def test_stories_fold_into_status_assignee_and_estimate_transitions() -> None:
    stories = [
        story("5", "2026-01-05T00:00:00.000Z", "marked_complete"),
        story("1", "2026-01-01T00:00:00.000Z", "added_to_project"),
        story("2", "2026-01-02T00:00:00.000Z", "assigned", assignee={"gid": "u7"}),
        story(
            "3",
            "2026-01-03T00:00:00.000Z",
            "section_changed",
            old_section={"name": "To Do"},
            new_section={"name": "Done"},
        ),
        story(
            "4",
            "2026-01-04T00:00:00.000Z",
            "number_custom_field_changed",
            custom_field={"gid": POINTS},
            old_number_value=None,
            new_number_value=5,
        ),
        story("6", "2026-01-06T00:00:00.000Z", "comment_added", author="bot"),
    ]
    history = fold_stories(stories, current_section="Done", estimate_field=POINTS, bots=frozenset({"bot"}))
    summary = [(t.field, t.from_value, t.to_value, t.from_category, t.to_category) for t in history.transitions]
    assert summary == [
        ("added_to_project", None, None, None, None),  # stories that change nothing tracked are activity
        ("assignee", None, "u7", None, None),
        ("status", "To Do", "Done", StatusCategory.TODO, StatusCategory.DONE),
        ("estimate", None, "5", None, None),
        ("marked_complete", None, None, None, None),  # already in Done: no category change
        ("comment", None, None, None, None),
    ]
    assert [t.event_id for t in history.transitions] == ["1", "2", "3", "4", "5", "6"]
    assert history.transitions[-1].author_external_id == "bot"  # the rules tell bots from people by author
    assert history.last_activity_at == datetime(2026, 1, 5, tzinfo=UTC)  # the bot's comment is not activity
    assert history.latest_story_gid == "6"


def test_completing_without_a_move_is_a_category_change() -> None:
    stories = [story("1", "2026-01-01T00:00:00.000Z", "marked_complete")]
    history = fold_stories(stories, current_section="In Progress", estimate_field=None)
    [transition] = history.transitions
    assert (transition.from_category, transition.to_category) == (StatusCategory.IN_PROGRESS, StatusCategory.DONE)


def event(gid: str, action: str, resource_type: str = "task", parent: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"action": action, "resource": {"gid": gid, "resource_type": resource_type}}
    if parent is not None:
        body["parent"] = {"gid": parent, "resource_type": "task"}
    return body


def test_events_name_tasks_to_re_read_and_deletions_by_their_last_word() -> None:
    effects = effects_of_events(
        [
            event("t1", "changed"),
            event("s9", "added", "story", parent="t2"),
            event("t3", "deleted"),
            event("t4", "deleted"),
            event("t4", "undeleted"),
            event("sec", "added", "section"),
        ]
    )
    assert effects.reread == ("t1", "t2", "t4")
    assert effects.deleted == ("t3",)
