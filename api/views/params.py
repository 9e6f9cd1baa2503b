"""Query and path parameter types shared by the views: bounded ids, safe text, UTC datetimes, output format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import AfterValidator

__all__ = [
    "MAX_ID",
    "SAFE_TEXT",
    "FormatParam",
    "IdPath",
    "IncludeDeletedParam",
    "LimitParam",
    "UtcDatetime",
    "to_utc",
]

MAX_ID = 2**63 - 1
# No NUL (PostgreSQL refuses it in text) and no other C0 control character except tab.
SAFE_TEXT = r"^[^\x00-\x08\x0a-\x1f\x7f]*$"


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC (naive means UTC); out-of-range instants are a validation error, never a 500."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant is out of range") from None


UtcDatetime = Annotated[datetime, AfterValidator(to_utc)]

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The numeric id.", examples=[42])]
LimitParam = Annotated[int, Query(ge=1, le=500, description="Page size (at most 500).", examples=[50])]
FormatParam = Annotated[
    Literal["json", "csv"] | None,
    Query(description="`csv` streams every matching row as CSV (same as `Accept: text/csv`)."),
]
IncludeDeletedParam = Annotated[
    bool, Query(description="Include items tombstoned because they vanished from their tool.")
]


def text_query(description: str, *, max_length: int = 200, example: str | None = None) -> object:
    """A free-text query parameter: 1 to ``max_length`` characters, no control characters."""
    return Query(
        min_length=1,
        max_length=max_length,
        pattern=SAFE_TEXT,
        description=description,
        examples=[example] if example is not None else None,
    )
