"""Asana has no status categories: a section's name gives the vendor category, ``completed`` overrides it.

The built-in vocabulary (case- and space-insensitive section names):

============================================================  ===============
section name                                                   category
============================================================  ===============
Backlog, Icebox                                                backlog
To Do, Todo, Ready, Up Next, Next                              todo
In Progress, Doing, In Review, Review, QA, Testing, Blocked,   in_progress
Ready for Release
Done, Complete, Completed, Shipped                             done
Won't Do, Wont Do, Cancelled, Canceled                         cancelled
============================================================  ===============

A completed task is ``done``, or ``cancelled`` when its section says so; an open task in a done or
cancelled column keeps the column's category (boards often skip ticking completion). Any other name gives no vendor
category: the policy's mapping may still classify it, else the item is ``unknown`` (and a finding says so).
"""

from __future__ import annotations

from models.enums import StatusCategory

__all__ = ["SECTION_VOCABULARY", "category_of_section", "vendor_category"]

_C = StatusCategory
SECTION_VOCABULARY: dict[str, StatusCategory] = {
    "backlog": _C.BACKLOG,
    "icebox": _C.BACKLOG,
    "to do": _C.TODO,
    "todo": _C.TODO,
    "ready": _C.TODO,
    "up next": _C.TODO,
    "next": _C.TODO,
    "in progress": _C.IN_PROGRESS,
    "doing": _C.IN_PROGRESS,
    "in review": _C.IN_PROGRESS,
    "review": _C.IN_PROGRESS,
    "qa": _C.IN_PROGRESS,
    "testing": _C.IN_PROGRESS,
    "blocked": _C.IN_PROGRESS,
    "ready for release": _C.IN_PROGRESS,
    "done": _C.DONE,
    "complete": _C.DONE,
    "completed": _C.DONE,
    "shipped": _C.DONE,
    "won't do": _C.CANCELLED,
    "wont do": _C.CANCELLED,
    "cancelled": _C.CANCELLED,
    "canceled": _C.CANCELLED,
}


def _normalise(name: str) -> str:
    return " ".join(name.replace("\u2019", "'").lower().split())


def category_of_section(name: str) -> StatusCategory | None:
    """The built-in category of a section name, or ``None`` when the vocabulary does not know it."""
    return SECTION_VOCABULARY.get(_normalise(name))


def vendor_category(section_name: str, completed: bool) -> StatusCategory | None:
    """Asana's own verdict: ``completed`` first (done, or cancelled per the section), then the section name."""
    by_name = category_of_section(section_name)
    if completed:
        return _C.CANCELLED if by_name is _C.CANCELLED else _C.DONE
    # An open task in a "Done" column: boards often skip ticking completion, so the column is believed.
    return by_name
