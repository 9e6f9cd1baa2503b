"""CSV for every list view: chosen by ``format=csv`` or ``Accept: text/csv``, streamed in batches.

The generator writes a header row, then the rows of the same query the JSON view runs, batch by batch (each
batch a short read transaction), so an export of a million items holds one batch in memory. Cells that a
spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or CR) are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

__all__ = ["CSV_MEDIA_TYPE", "CSV_RESPONSE", "csv_cell", "csv_lines", "csv_response", "wants_csv"]

CSV_MEDIA_TYPE = "text/csv"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            CSV_MEDIA_TYPE: {
                "schema": {"type": "string"},
                "example": "id,key,title\r\n1,PAY-1,Checkout times out\r\n",
            }
        }
    }
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def wants_csv(request: Request, format: str | None) -> bool:
    """Whether the caller asked for CSV: ``format=csv``, or ``Accept: text/csv`` without ``format=json``."""
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return any(part.split(";", 1)[0].strip().lower() == CSV_MEDIA_TYPE for part in accept.split(","))


def csv_cell(value: Any) -> str:
    """One cell: ISO dates, plain enums, lists joined with ``|``, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "|".join(csv_cell(v) for v in value)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_lines(columns: Sequence[str], batches: Iterable[Iterable[Mapping[str, Any]]]) -> Iterator[str]:
    """The header, then one chunk of lines per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            writer.writerow([csv_cell(row.get(column)) for column in columns])
        chunk = buffer.getvalue()
        if chunk:
            yield chunk


def csv_response(
    columns: Sequence[str], batches: Iterable[Iterable[Mapping[str, Any]]], *, filename: str
) -> StreamingResponse:
    """A streamed ``text/csv`` attachment."""
    return StreamingResponse(
        csv_lines(columns, batches),
        media_type=CSV_MEDIA_TYPE + "; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )
