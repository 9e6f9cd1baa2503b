"""Offset paging as Jira's PageBean and the Agile API have it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from emulators.jira.errors import bad_request

__all__ = ["check_window", "page_bean"]

T = TypeVar("T")


def check_window(start_at: int, max_results: int, *, limit: int) -> int:
    """Validate startAt/maxResults; returns maxResults capped at `limit`."""
    if start_at < 0:
        raise bad_request("The 'startAt' parameter must not be negative.")
    if max_results < 0:
        raise bad_request("The 'maxResults' parameter must not be negative.")
    return min(max_results, limit)


def page_bean(values: Sequence[Any], start_at: int, max_results: int, *, self_url: str | None = None) -> dict[str, Any]:
    """`{startAt, maxResults, total, isLast, values}` over a whole list."""
    window = list(values[start_at : start_at + max_results])
    body: dict[str, Any] = {
        "maxResults": max_results,
        "startAt": start_at,
        "total": len(values),
        "isLast": start_at + len(window) >= len(values),
        "values": window,
    }
    if self_url is not None:
        body["self"] = self_url
    return body
