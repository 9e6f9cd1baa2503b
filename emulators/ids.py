"""Vendor id schemes: Jira numeric ids and KEY-123 keys, Trello 24-hex ObjectIds, Asana 16-digit gids.

Every helper is a bijection from (kind, index): an emulator maps an id back to its generated index in O(1).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from enum import IntEnum

__all__ = [
    "ASANA_GID_PREFIX",
    "JIRA_ID_BASE",
    "ObjectKind",
    "asana_gid",
    "jira_account_id",
    "jira_issue_id",
    "jira_key",
    "parse_asana_gid",
    "parse_jira_issue_id",
    "parse_jira_key",
    "parse_trello_id",
    "trello_id",
    "trello_id_created_at",
    "trello_short_link",
]

JIRA_ID_BASE = 10000
ASANA_GID_PREFIX = "12"
_JIRA_KEY = re.compile(r"^([A-Z][A-Z0-9_]{0,9})-([1-9][0-9]*)$")
_TRELLO_ID = re.compile(r"^[0-9a-f]{24}$")
_ASANA_GID = re.compile(r"^12[0-9]{14}$")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class ObjectKind(IntEnum):
    """The kind of object an id names; part of Trello ids and Asana gids so kinds never clash."""

    WORKSPACE = 1
    TEAM = 2
    CONTAINER = 3
    COLUMN = 4
    ITEM = 5
    PERSON = 6
    EVENT = 7
    WEBHOOK = 8
    LABEL = 9
    CUSTOM_FIELD = 10
    SPRINT = 11
    ATTACHMENT = 12


def jira_issue_id(index: int) -> str:
    """Return the numeric Jira issue id (as Jira sends it: a string) of the item at `index`."""
    return str(JIRA_ID_BASE + index)


def parse_jira_issue_id(issue_id: str) -> int | None:
    """Return the item index of a Jira numeric issue id, or None if it is not one of ours."""
    if not issue_id.isdigit():
        return None
    index = int(issue_id) - JIRA_ID_BASE
    return index if index >= 0 else None


def jira_key(project_key: str, number: int) -> str:
    """Return the issue key `PROJ-123` (numbers start at 1 within a project)."""
    if number < 1:
        raise ValueError("Jira issue numbers start at 1")
    return f"{project_key}-{number}"


def parse_jira_key(key: str) -> tuple[str, int] | None:
    """Split `PROJ-123` into ("PROJ", 123), or None if it is not a key."""
    match = _JIRA_KEY.match(key)
    return (match.group(1), int(match.group(2))) if match else None


def jira_account_id(person: int) -> str:
    """Return a stable Atlassian-style account id (`712020:` + a uuid-shaped hex) for a person."""
    digest = hashlib.sha1(f"jira-account:{person}".encode()).hexdigest()
    return f"712020:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{person:012x}"


def trello_id(created: datetime | float, kind: ObjectKind, index: int) -> str:
    """Return a 24-hex Trello id: 8 hex unix creation second, 2 hex kind, 14 hex index."""
    seconds = int(created.timestamp() if isinstance(created, datetime) else created)
    if not 0 <= seconds < 16**8 or not 0 <= index < 16**14:
        raise ValueError("timestamp or index out of range for a Trello id")
    return f"{seconds:08x}{int(kind):02x}{index:014x}"


def parse_trello_id(object_id: str) -> tuple[ObjectKind, int] | None:
    """Return (kind, index) of a Trello id made by `trello_id`, or None."""
    if not _TRELLO_ID.match(object_id):
        return None
    try:
        kind = ObjectKind(int(object_id[8:10], 16))
    except ValueError:
        return None
    return kind, int(object_id[10:], 16)


def trello_id_created_at(object_id: str) -> datetime:
    """Return the creation time encoded in the first 8 hex of any Trello id."""
    return datetime.fromtimestamp(int(object_id[:8], 16), tz=UTC)


def trello_short_link(object_id: str) -> str:
    """Return an 8-character base62 short link derived from a Trello id (stable)."""
    number = int(hashlib.sha1(object_id.encode()).hexdigest(), 16)
    chars = []
    for _ in range(8):
        number, rest = divmod(number, 62)
        chars.append(_BASE62[rest])
    return "".join(chars)


def asana_gid(kind: ObjectKind, index: int) -> str:
    """Return a 16-digit Asana gid: "12", 2 digits of kind, 12 digits of index."""
    if not 0 <= index < 10**12:
        raise ValueError("index out of range for an Asana gid")
    return f"{ASANA_GID_PREFIX}{int(kind):02d}{index:012d}"


def parse_asana_gid(gid: str) -> tuple[ObjectKind, int] | None:
    """Return (kind, index) of a gid made by `asana_gid`, or None."""
    if not _ASANA_GID.match(gid):
        return None
    try:
        kind = ObjectKind(int(gid[2:4]))
    except ValueError:
        return None
    return kind, int(gid[4:])
