"""Jira's wire formats: timestamps (`2026-01-18T23:45:00.000+0000`), dates, Atlassian Document Format."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

__all__ = ["adf_document", "adf_text", "agile_time", "jira_date", "jira_time", "rich_text"]


def jira_time(epoch: float) -> str:
    """A platform timestamp: millisecond precision, `+0000` offset (no colon)."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def agile_time(epoch: float) -> str:
    """An Agile API timestamp (sprint dates): `2026-01-18T23:45:00.000Z`."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def jira_date(day: date | None) -> str | None:
    """A date field: `YYYY-MM-DD`."""
    return None if day is None else day.isoformat()


def adf_document(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format document (one paragraph per line)."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]} if line else {"type": "paragraph"}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def rich_text(text: str, version: int) -> dict[str, Any] | str | None:
    """A rich-text value: ADF on v3, plain text on v2; None when empty."""
    if not text:
        return None
    return adf_document(text) if version >= 3 else text


def adf_text(value: object) -> str:
    """The plain text of an ADF node (or of a plain string, as v2 clients send)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if value.get("type") == "text":
            return str(value.get("text", ""))
        parts = [adf_text(child) for child in value.get("content", []) or []]
        separator = "\n" if value.get("type") == "doc" else ""
        return separator.join(parts)
    if isinstance(value, list):
        return "".join(adf_text(child) for child in value)
    return str(value)
