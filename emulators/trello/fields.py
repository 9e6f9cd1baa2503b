"""The `fields=` parameter: `all`, or a comma-separated list; `id` is always kept."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["parse_fields", "select_fields"]


def parse_fields(value: str | None, default: Iterable[str] | None = None) -> frozenset[str] | None:
    """The requested field names; None means all (`all`, or no parameter and no default)."""
    if value is None or value == "":
        return None if default is None else frozenset(default)
    names = frozenset(v.strip() for v in value.split(",") if v.strip())
    return None if "all" in names else names


def select_fields(document: dict[str, object], fields: frozenset[str] | None) -> dict[str, object]:
    """Keep the chosen top-level keys (and `id`); everything when fields is None."""
    if fields is None:
        return document
    return {k: v for k, v in document.items() if k == "id" or k in fields}
