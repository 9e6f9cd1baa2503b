"""Asana stories -> Baton history: section moves and completion as status transitions, (un)assignment,
estimate changes; comments and every other story are recorded as value-less activity (by field), so the
rules can tell a person's touch from a bot's. Pure.

Stories are folded oldest first, carrying the task's section, completion and assignee, so a transition
knows what it changed from even where Asana's story does not say (``assigned`` names only the new one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.asana.timefmt import parse_time
from connectors.asana.vocabulary import vendor_category
from connectors.records import TransitionIn
from models.enums import StatusCategory

__all__ = ["STORY_FIELDS", "Categorise", "History", "fold_stories", "latest_story_gid"]

STORY_FIELDS = (
    "created_at",
    "created_by.gid",
    "resource_subtype",
    "type",
    "new_section.name",
    "old_section.name",
    "assignee.gid",
    "custom_field.gid",
    "tag.name",
    "new_number_value",
    "old_number_value",
)
"""The ``opt_fields`` a story read asks for: nothing more (comment texts are not stored)."""

Categorise = Callable[[str, bool], StatusCategory]
"""(section name, completed) -> Baton's category (vendor vocabulary, then the policy)."""


@dataclass(frozen=True)
class History:
    """What a task's stories tell: its transitions and when a person last touched it."""

    transitions: tuple[TransitionIn, ...] = ()
    last_activity_at: datetime | None = None
    latest_story_gid: str | None = None


@dataclass
class _State:
    section: str | None
    completed: bool = False
    assignee: str | None = None
    estimate: str | None = None
    out: list[TransitionIn] = field(default_factory=list)


def _gid(value: Any) -> str | None:
    return str(value["gid"]) if isinstance(value, Mapping) and value.get("gid") is not None else None


def _name(value: Any) -> str | None:
    return str(value["name"]) if isinstance(value, Mapping) and value.get("name") is not None else None


def _number_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{float(value):g}"


def latest_story_gid(stories: Iterable[Mapping[str, Any]]) -> str | None:
    """The newest story's gid (numerically largest: Asana gids grow), for the item's version tie-break."""
    gids = [str(s["gid"]) for s in stories if s.get("gid")]
    return max(gids, key=lambda g: (len(g), g)) if gids else None


def _initial_section(stories: list[Mapping[str, Any]], current: str | None) -> str | None:
    for story in stories:
        if story.get("resource_subtype") == "section_changed":
            return _name(story.get("old_section")) or current
    return current


def fold_stories(
    stories: Iterable[Mapping[str, Any]],
    *,
    current_section: str | None,
    estimate_field: str | None,
    categorise: Categorise = lambda name, completed: vendor_category(name, completed) or StatusCategory.UNKNOWN,
    bots: frozenset[str] = frozenset(),
) -> History:
    """Fold a task's stories (any order: they are sorted by time, then gid) into its history."""
    ordered = sorted(stories, key=lambda s: (str(s.get("created_at") or ""), len(str(s.get("gid"))), str(s.get("gid"))))
    state = _State(section=_initial_section(ordered, current_section))
    last_activity: datetime | None = None
    for story in ordered:
        try:
            at = parse_time(str(story.get("created_at")))
        except ValueError:
            continue
        author = _gid(story.get("created_by"))
        if author is not None and author not in bots:
            last_activity = at if last_activity is None or at > last_activity else last_activity
        recorded = len(state.out)
        _apply_story(state, story, at, author, estimate_field, categorise)
        if len(state.out) == recorded:
            _record_activity(state, story, at, author)
    return History(tuple(state.out), last_activity, latest_story_gid(ordered))


_ACTIVITY_SUBTYPES = {
    "comment_added": "comment",
    "due_date_changed": "due",
    "added_to_tag": "labels",
    "removed_from_tag": "labels",
    "name_changed": "title",
    "notes_changed": "description",
}
"""Story subtypes recorded under the field they touched; other subtypes are recorded under their own name."""


def _record_activity(state: _State, story: Mapping[str, Any], at: datetime, author: str | None) -> None:
    """A story that changed nothing Baton tracks still shows who worked on the task, and when (a tag story
    keeps the tag added or removed, for the blocked label of R04)."""
    subtype = str(story.get("resource_subtype") or story.get("type") or "story")
    tag = _name(story.get("tag"))
    state.out.append(
        TransitionIn(
            field=_ACTIVITY_SUBTYPES.get(subtype, subtype[:32]),
            from_value=tag if subtype == "removed_from_tag" else None,
            to_value=tag if subtype == "added_to_tag" else None,
            changed_at=at,
            event_id=str(story.get("gid")),
            author_external_id=author,
        )
    )


def _apply_story(
    state: _State,
    story: Mapping[str, Any],
    at: datetime,
    author: str | None,
    estimate_field: str | None,
    categorise: Categorise,
) -> None:
    subtype = story.get("resource_subtype")
    event_id = str(story.get("gid"))

    def emit(
        name: str, old: str | None, new: str | None, categories: tuple[StatusCategory, StatusCategory] | None
    ) -> None:
        state.out.append(
            TransitionIn(
                field=name,
                from_value=old,
                to_value=new,
                changed_at=at,
                event_id=event_id,
                author_external_id=author,
                from_category=categories[0] if categories else None,
                to_category=categories[1] if categories else None,
            )
        )

    if subtype == "section_changed":
        new = _name(story.get("new_section"))
        old = _name(story.get("old_section")) or state.section
        if new is None or new == old:
            return
        before = categorise(old, state.completed) if old is not None else None
        after = categorise(new, state.completed)
        emit("status", old, new, (before, after) if before is not None else (after, after))
        state.section = new
    elif subtype in ("marked_complete", "marked_incomplete"):
        completed = subtype == "marked_complete"
        if completed == state.completed:
            return
        section = state.section or ""
        before, after = categorise(section, state.completed), categorise(section, completed)
        state.completed = completed
        if before != after:
            emit("status", state.section, state.section, (before, after))
    elif subtype in ("assigned", "unassigned"):
        new = _gid(story.get("assignee")) if subtype == "assigned" else None
        if new != state.assignee:
            emit("assignee", state.assignee, new, None)
            state.assignee = new
    elif subtype == "number_custom_field_changed" and estimate_field is not None:
        if _gid(story.get("custom_field")) != estimate_field:
            return
        old_value = _number_text(story.get("old_number_value"))
        new_value = _number_text(story.get("new_number_value"))
        if old_value != new_value:
            emit("estimate", old_value, new_value, None)
            state.estimate = new_value
