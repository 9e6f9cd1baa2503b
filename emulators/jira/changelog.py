"""History events as Jira changelog histories and comments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulators.jira.formats import jira_time, rich_text
from emulators.org.model import Event, EventKind, Item, event_serial

if TYPE_CHECKING:
    from emulators.jira.render import View

__all__ = ["change_items", "changelog_page_of", "comment_json", "comments_of", "history_json"]

_NOT_IN_CHANGELOG = frozenset({EventKind.CREATED, EventKind.COMMENT, EventKind.DELETED})


def comments_of(events: tuple[Event, ...]) -> list[Event]:
    """The comment events of an item, oldest first."""
    return [e for e in events if e.kind is EventKind.COMMENT]


def comment_json(view: View, item: Item, event: Event) -> dict[str, Any]:
    """A comment; its id is the event's serial."""
    comment_id = str(event_serial(item.index, event.number))
    author = view.user(event.author)
    return {
        "self": view.api(f"issue/{item.external_id}/comment/{comment_id}"),
        "id": comment_id,
        "author": author,
        "body": rich_text(event.after or "", view.version) or "",
        "updateAuthor": author,
        "created": jira_time(event.at),
        "updated": jira_time(event.at),
        "jsdPublic": True,
    }


def change_items(view: View, event: Event) -> list[dict[str, Any]]:
    """The `items` of a history (or of a webhook's changelog) for one event."""
    site = view.site
    custom = site.fields
    kind, before, after = event.kind, event.before, event.after

    def item(
        field: str,
        field_id: str,
        fieldtype: str,
        from_: str | None,
        from_s: str | None,
        to: str | None,
        to_s: str | None,
    ) -> dict[str, Any]:
        # The published schema makes from/to non-nullable: empty values are left out rather than sent as null.
        values = {"from": from_, "fromString": from_s, "to": to, "toString": to_s}
        return {
            "field": field,
            "fieldtype": fieldtype,
            "fieldId": field_id,
            **{k: v for k, v in values.items() if v is not None},
        }

    if kind is EventKind.STATUS:
        old = site.status(before).id if before else None
        return [item("status", "status", "jira", old, before, site.status(after).id if after else None, after)]
    if kind is EventKind.ASSIGNEE:

        def account(value: str | None) -> tuple[str | None, str | None]:
            return (None, None) if value is None else (site.account_id(int(value)), site.display_name(int(value)))

        return [item("assignee", "assignee", "jira", *account(before), *account(after))]
    if kind is EventKind.ESTIMATE:
        return [item("Story point estimate", custom.story_points, "custom", None, before, None, after)]
    if kind is EventKind.SPRINT:

        def sprint(value: str | None) -> str | None:
            found = site.sprint(int(value)) if value else None
            return found.name if found else None

        return [item("Sprint", custom.sprint, "custom", before, sprint(before), after, sprint(after))]
    if kind is EventKind.LABELS:
        return [
            item(
                "labels",
                "labels",
                "jira",
                None,
                (before or "").replace(",", " "),
                None,
                (after or "").replace(",", " "),
            )
        ]
    if kind is EventKind.FLAG:
        flag = "Impediment"
        return [
            item("Flagged", custom.flagged, "custom", None, flag if before else None, None, flag if after else None)
        ]
    if kind is EventKind.RESOLUTION:

        def resolution(value: str | None) -> str | None:
            return site.resolution(value).id if value else None

        return [item("resolution", "resolution", "jira", resolution(before), before, resolution(after), after)]
    if kind is EventKind.DUE:
        return [item("duedate", "duedate", "jira", before, before, after, after)]
    if kind is EventKind.TITLE:
        return [item("summary", "summary", "jira", None, before, None, after)]
    return []


def history_json(view: View, item: Item, event: Event) -> dict[str, Any]:
    """One changelog history (id = the event's serial)."""
    return {
        "id": str(event_serial(item.index, event.number)),
        "author": view.user(event.author),
        "created": jira_time(event.at),
        "items": change_items(view, event),
    }


def changelog_page_of(view: View, item: Item, events: tuple[Event, ...]) -> list[dict[str, Any]]:
    """Every history of an item, oldest first."""
    return [history_json(view, item, e) for e in events if e.kind not in _NOT_IN_CHANGELOG]
