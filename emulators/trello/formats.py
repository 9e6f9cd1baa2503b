"""Trello's wire formats: dates with milliseconds and `Z`, `before`/`since` moments (a date or an object id)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from emulators.ids import trello_id_created_at

__all__ = [
    "due_datetime",
    "id_seconds",
    "is_trello_id",
    "parse_moment",
    "slugify",
    "trello_date",
    "trello_date_or_none",
]

_NON_WORD = re.compile(r"[^a-z0-9]+")
_TRELLO_ID = re.compile(r"^[0-9a-f]{24}$")


def trello_date(seconds: float) -> str:
    """`2017-05-31T18:52:54.933Z` for a POSIX time."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def trello_date_or_none(seconds: float | None) -> str | None:
    """trello_date, passing None through."""
    return None if seconds is None else trello_date(seconds)


def due_datetime(due: date | None) -> str | None:
    """A due date as Trello's due datetime: noon UTC keeps the same calendar day from UTC-11 to UTC+11."""
    return None if due is None else f"{due.isoformat()}T12:00:00.000Z"


def parse_moment(value: str) -> float | str | None:
    """A `before`/`since` value: a Trello id (returned as is, lower-cased), else a date as POSIX seconds.

    Accepts ISO dates with or without time, `Z` or an offset, and the space-separated form py-trello
    sends (`str(datetime)`); `null`/empty means no bound (None). Raises ValueError otherwise.
    """
    text = value.strip()
    if not text or text.lower() == "null":
        return None
    if _TRELLO_ID.match(text.lower()):
        return text.lower()
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def id_seconds(object_id: str) -> float:
    """The creation second encoded in any Trello id."""
    return trello_id_created_at(object_id).timestamp()


def is_trello_id(value: str) -> bool:
    """Whether `value` is a well-formed 24-hex id (any kind)."""
    return bool(_TRELLO_ID.match(value))


def slugify(text: str) -> str:
    """The URL slug Trello appends to card URLs."""
    return _NON_WORD.sub("-", text.lower()).strip("-")[:128]
