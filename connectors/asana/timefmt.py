"""Asana's time formats (``2012-02-22T02:06:58.147Z`` and ``2012-02-22``), read as aware UTC values. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

__all__ = ["format_time", "parse_date", "parse_time"]


def parse_time(text: str) -> datetime:
    """An Asana timestamp as an aware UTC datetime; ``ValueError`` when it is not one."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(text: str) -> date:
    """An Asana ``YYYY-MM-DD`` date; ``ValueError`` otherwise."""
    return date.fromisoformat(text.strip())


def format_time(value: datetime) -> str:
    """An aware datetime as Asana writes one (UTC, milliseconds, ``Z``): for ``modified_since``."""
    moment = value.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
