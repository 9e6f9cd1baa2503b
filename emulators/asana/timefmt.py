"""Asana's time formats: `2012-02-22T02:06:58.147Z` timestamps and `2012-02-22` dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

__all__ = ["format_date", "format_time", "parse_time"]


def format_time(seconds: float) -> str:
    """A POSIX timestamp as Asana writes it: UTC, milliseconds, `Z`."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def format_date(value: date | None) -> str | None:
    """A date as `YYYY-MM-DD` (None stays None)."""
    return None if value is None else value.isoformat()


def parse_time(text: str) -> float:
    """Parse an ISO 8601 date or date-time (`Z`, an offset, or none: UTC); ValueError when malformed."""
    value = text.strip().replace("Z", "+00:00").replace(" ", "+", 1) if "T" in text else text.strip()
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
