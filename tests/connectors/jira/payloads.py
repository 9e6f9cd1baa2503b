"""Jira Cloud JSON as the platform v3 and Agile specs shape it, built small for mapping tests."""

from __future__ import annotations

from typing import Any

SITE = "https://acme.atlassian.net"
STORY_POINTS = "customfield_13659"
SPRINT = "customfield_13312"
FLAGGED = "customfield_17475"
CATEGORY = {
    "new": {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"},
    "indeterminate": {"id": 4, "key": "indeterminate", "name": "In Progress", "colorName": "yellow"},
    "done": {"id": 3, "key": "done", "name": "Done", "colorName": "green"},
    "undefined": {"id": 1, "key": "undefined", "name": "No Category", "colorName": "medium-gray"},
}
STATUSES = {
    "10000": ("Backlog", "new"),
    "10001": ("To Do", "new"),
    "10002": ("In Progress", "indeterminate"),
    "10003": ("In Review", "indeterminate"),
    "10004": ("Done", "done"),
    "10005": ("Won't Do", "done"),
    "10006": ("Triage", "undefined"),
}


def status(status_id: str) -> dict[str, Any]:
    name, category = STATUSES[status_id]
    return {
        "self": f"{SITE}/rest/api/3/status/{status_id}",
        "id": status_id,
        "name": name,
        "statusCategory": CATEGORY[category],
    }


def user(account: str, name: str, email: str | None = None, *, app: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accountId": account,
        "displayName": name,
        "avatarUrls": {"48x48": f"{SITE}/avatar/{account}"},
        "active": True,
        "timeZone": "Europe/Berlin",
        "accountType": "app" if app else "atlassian",
    }
    if email:
        body["emailAddress"] = email
    return body


def issue_type(name: str, *, subtask: bool = False, level: int = 0) -> dict[str, Any]:
    return {"id": str(10000 + len(name)), "name": name, "subtask": subtask, "hierarchyLevel": level}


def sprint(sprint_id: int, state: str, *, complete: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": sprint_id,
        "name": f"Sprint {sprint_id}",
        "state": state,
        "boardId": 1,
        "goal": "",
        "startDate": "2026-01-05T09:00:00.000Z",
        "endDate": "2026-01-19T09:00:00.000Z",
    }
    if complete:
        body["completeDate"] = complete
    return body


def history(history_id: int, created: str, *items: dict[str, Any], author: str = "acc-1") -> dict[str, Any]:
    return {"id": str(history_id), "author": user(author, "Ana"), "created": created, "items": list(items)}


def change(
    field: str, field_id: str, from_: str | None, from_s: str | None, to: str | None, to_s: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"field": field, "fieldtype": "jira", "fieldId": field_id}
    for key, value in (("from", from_), ("fromString", from_s), ("to", to), ("toString", to_s)):
        if value is not None:  # the published schema has no nulls: empty sides are left out
            body[key] = value
    return body


def issue(
    issue_id: str = "10057",
    *,
    key: str = "PAY-57",
    status_id: str = "10002",
    resolution: str | None = None,
    parent: dict[str, Any] | None = None,
    kind: dict[str, Any] | None = None,
    histories: list[dict[str, Any]] | None = None,
    total: int | None = None,
    sprints: list[dict[str, Any]] | None = None,
    updated: str = "2026-02-03T10:15:30.250+0000",
    **fields: Any,
) -> dict[str, Any]:
    body_fields: dict[str, Any] = {
        "summary": "Checkout fails, see https://trello.com/c/AbCd1234/12-fix and https://app.asana.com/0/1200/1300.",
        "description": {
            "type": "doc",
            "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Steps to reproduce"}]}],
        },
        "status": status(status_id),
        "issuetype": kind or issue_type("Story"),
        "assignee": user("acc-1", "Ana", "ana@example.com"),
        "reporter": user("acc-2", "Bo", "bo@example.com"),
        "labels": ["checkout", "customer"],
        "priority": {"id": "3", "name": "Medium"},
        "duedate": "2026-02-20",
        "created": "2026-01-02T08:00:00.000+0000",
        "updated": updated,
        "resolutiondate": None,
        "resolution": None if resolution is None else {"id": "10001", "name": resolution},
        "parent": parent,
        "project": {"id": "10100", "key": "PAY", "name": "Payments"},
        "issuelinks": [
            {
                "id": "1",
                "type": {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                "outwardIssue": {"id": "10058", "key": "PAY-58"},
            },
            {
                "id": "2",
                "type": {"name": "Relates", "inward": "relates to", "outward": "relates to"},
                "inwardIssue": {"id": "10020", "key": "PAY-20"},
            },
        ],
        STORY_POINTS: 5.0,
        SPRINT: sprints,
        FLAGGED: None,
    }
    body_fields.update(fields)
    recent = histories or []
    return {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": issue_id,
        "self": f"{SITE}/rest/api/3/issue/{issue_id}",
        "key": key,
        "fields": body_fields,
        "changelog": {"startAt": 0, "maxResults": len(recent), "total": total or len(recent), "histories": recent},
    }


def epic_parent(issue_id: str = "10001", key: str = "PAY-1") -> dict[str, Any]:
    return {
        "id": issue_id,
        "key": key,
        "fields": {"summary": "Epic", "status": status("10002"), "issuetype": issue_type("Epic", level=1)},
    }


def story_parent(issue_id: str = "10050", key: str = "PAY-50") -> dict[str, Any]:
    return {
        "id": issue_id,
        "key": key,
        "fields": {"summary": "Story", "status": status("10002"), "issuetype": issue_type("Story")},
    }
