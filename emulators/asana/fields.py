"""`opt_fields`: compact records by default, exactly the requested (nested) fields otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["COMPACT_FIELDS", "FieldTree", "compact", "expand_default", "parse_opt_fields", "select"]

FieldTree = dict[str, "FieldTree"]

_NAMED = ("gid", "resource_type", "name")
COMPACT_FIELDS: dict[str, tuple[str, ...]] = {
    "workspace": _NAMED,
    "team": _NAMED,
    "user": _NAMED,
    "project": _NAMED,
    "section": _NAMED,
    "tag": _NAMED,
    "portfolio": _NAMED,
    "task": (*_NAMED, "resource_subtype"),
    "story": ("gid", "resource_type", "created_at", "created_by", "resource_subtype", "text"),
    "custom_field": (
        *_NAMED,
        "resource_subtype",
        "type",
        "enum_options",
        "enabled",
        "representation_type",
        "id_prefix",
        "is_formula_field",
        "date_value",
        "enum_value",
        "multi_enum_values",
        "number_value",
        "text_value",
        "display_value",
    ),
    "enum_option": (*_NAMED, "enabled", "color"),
    "custom_field_setting": ("gid", "resource_type", "project", "is_important", "parent", "custom_field"),
    "webhook": ("gid", "resource_type", "active", "resource", "target"),
}


def parse_opt_fields(raw: str | None) -> FieldTree | None:
    """`a,b.c,b.d` -> {"a": {}, "b": {"c": {}, "d": {}}}; None when no fields were asked for."""
    if raw is None or not raw.strip():
        return None
    tree: FieldTree = {}
    for path in raw.split(","):
        node = tree
        for part in path.strip().split("."):
            if part:
                node = node.setdefault(part, {})
    return tree


def compact(value: Any) -> Any:
    """The compact form of a resource (by its resource_type), recursively; other values unchanged."""
    if isinstance(value, Mapping):
        # Only resources (they have a gid) have compact forms; webhook filters also carry a resource_type.
        keys = COMPACT_FIELDS.get(str(value.get("resource_type"))) if "gid" in value else None
        chosen = value.items() if keys is None else ((k, value[k]) for k in keys if k in value)
        return {k: compact(v) for k, v in chosen}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def expand_default(record: Mapping[str, Any]) -> dict[str, Any]:
    """A full record as single-object endpoints return it: every field, nested resources compact."""
    return {key: compact(value) for key, value in record.items()}


def select(value: Any, tree: FieldTree) -> Any:
    """Keep `gid` plus the fields of `tree` (unknown fields are skipped); a leaf resource is compact."""
    if isinstance(value, list):
        return [select(v, tree) for v in value]
    if not isinstance(value, Mapping):
        return value
    result: dict[str, Any] = {"gid": value["gid"]} if "gid" in value else {}
    for key, subtree in tree.items():
        if key not in value:
            continue
        result[key] = select(value[key], subtree) if subtree else compact(value[key])
    return result
