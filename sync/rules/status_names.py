"""The status names a default name-based mapping covers (Trello lists and Asana sections carry no category).

Used only for a list or section that holds no item yet: an item's own category (from its connector, or the
policy) always wins. A name outside this table and outside the policy's ``status_mapping`` is unmapped (R18).
"""

from __future__ import annotations

from core.policy.status_mapping import normalise_status
from models.enums import StatusCategory

__all__ = ["DEFAULT_STATUS_NAMES", "default_category"]

_C = StatusCategory
DEFAULT_STATUS_NAMES: dict[str, StatusCategory] = {
    "backlog": _C.BACKLOG,
    "icebox": _C.BACKLOG,
    "ideas": _C.BACKLOG,
    "to do": _C.TODO,
    "todo": _C.TODO,
    "ready": _C.TODO,
    "up next": _C.TODO,
    "selected for development": _C.TODO,
    "in progress": _C.IN_PROGRESS,
    "doing": _C.IN_PROGRESS,
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
    "won't do": _C.CANCELLED,
    "wont do": _C.CANCELLED,
    "cancelled": _C.CANCELLED,
    "canceled": _C.CANCELLED,
}


def default_category(raw: str) -> StatusCategory | None:
    """The default category of a status name, or None when the table does not cover it."""
    return DEFAULT_STATUS_NAMES.get(normalise_status(raw))
