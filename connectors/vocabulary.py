"""Baton's built-in vocabulary of status names, for tools without status categories (Trello lists, Asana sections).

One table for every place that reads a column name as a category: the Trello and Asana connectors (as the
"vendor category", which the policy may override) and rule R18 (for a column that holds no item yet). A name
outside the table has no category: without a policy mapping it is ``unknown``.
"""

from __future__ import annotations

import re

from models.enums import StatusCategory

__all__ = ["STATUS_NAME_VOCABULARY", "category_of_status_name", "normalise_status_name"]

_C = StatusCategory

STATUS_NAME_VOCABULARY: dict[str, StatusCategory] = {
    "backlog": _C.BACKLOG,
    "icebox": _C.BACKLOG,
    "ideas": _C.BACKLOG,
    "to do": _C.TODO,
    "todo": _C.TODO,
    "next": _C.TODO,
    "up next": _C.TODO,
    "ready": _C.TODO,
    "selected for development": _C.TODO,
    "doing": _C.IN_PROGRESS,
    "in progress": _C.IN_PROGRESS,
    "wip": _C.IN_PROGRESS,
    "in review": _C.IN_PROGRESS,
    "review": _C.IN_PROGRESS,
    "code review": _C.IN_PROGRESS,
    "qa": _C.IN_PROGRESS,
    "testing": _C.IN_PROGRESS,
    "blocked": _C.IN_PROGRESS,
    "ready for release": _C.IN_PROGRESS,
    "done": _C.DONE,
    "complete": _C.DONE,
    "completed": _C.DONE,
    "shipped": _C.DONE,
    "released": _C.DONE,
    "won't do": _C.CANCELLED,
    "wont do": _C.CANCELLED,
    "cancelled": _C.CANCELLED,
    "canceled": _C.CANCELLED,
    "rejected": _C.CANCELLED,
}

_SPACES = re.compile(r"\s+")
_DECORATION = re.compile(r"^[^\w']+|[^\w']+$")


def normalise_status_name(name: str) -> str:
    """Lower case, typographic apostrophes straightened, spaces collapsed, emoji/punctuation edges trimmed."""
    text = name.replace("\u2019", "'").replace("\u2018", "'").lower()
    text = _SPACES.sub(" ", text).strip()
    return _DECORATION.sub("", text).strip()


def category_of_status_name(name: str) -> StatusCategory | None:
    """The built-in category of a column name, or ``None`` when the vocabulary does not know it."""
    return STATUS_NAME_VOCABULARY.get(normalise_status_name(name))
