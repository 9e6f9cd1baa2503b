"""Pydantic's validation errors, told in plain English at the line and column of the key or value at fault."""

from __future__ import annotations

import difflib
import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from core.policy.base import PolicyModel
from core.policy.yaml_source import KeyPath, Mark, YamlDocument

__all__ = ["describe_error", "format_path"]

_KEY_ERROR_MARKER = "[key]"


def format_path(path: KeyPath) -> str:
    """A key path as a reader writes it: ``teams.web.containers[0].connection``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif isinstance(part, str) and part.replace("_", "").replace("-", "").isalnum():
            text += f".{part}" if text else part
        else:
            text += f"['{part}']" if text else f"'{part}'"
    return text or "the policy"


def _walk(document: YamlDocument, loc: tuple[int | str, ...]) -> tuple[KeyPath, str | int | None]:
    """Follow ``loc`` through the data: the path that exists, and the last element when it does not (a key)."""
    node = document.data
    path: KeyPath = ()
    for index, part in enumerate(loc):
        in_mapping = isinstance(node, dict) and not isinstance(part, int) and part in node
        if in_mapping or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
            path = (*path, part)
        elif index == len(loc) - 1:
            return path, part
        # otherwise a union member's tag, not a key of the data: skip it
    return path, None


def _unwrap(annotation: Any) -> list[Any]:
    """The candidate types of an annotation: Annotated and unions opened up."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [candidate for member in get_args(annotation) for candidate in _unwrap(member)]
    return [annotation]


def _tagged_by(model: type[BaseModel], tag: str | int) -> bool:
    """Whether one of ``model``'s fields is a ``Literal`` holding ``tag`` (a discriminated union's member)."""
    for field in model.model_fields.values():
        for candidate in _unwrap(field.annotation):
            if get_origin(candidate) is Literal and tag in get_args(candidate):
                return True
    return False


def _field_annotation(model: type[BaseModel], key: str | int) -> Any:
    for name, field in model.model_fields.items():
        if key in (field.alias, name):
            return field.annotation
    return None


def _step(candidates: list[Any], part: str | int) -> list[Any] | None:
    """The candidate types one ``loc`` element further down."""
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    for model in models:
        annotation = _field_annotation(model, part)
        if annotation is not None:
            return _unwrap(annotation)
    tagged = [model for model in models if _tagged_by(model, part)]
    if tagged:
        return list(tagged)
    for candidate in candidates:
        origin = get_origin(candidate)
        if origin is list and isinstance(part, int):
            return _unwrap(get_args(candidate)[0])
        if origin is dict:
            return _unwrap(get_args(candidate)[1])
    return None


def _section_model(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model of the mapping ``loc`` points into (best effort: ``None`` when the types do not say)."""
    candidates: list[Any] = [root]
    for part in loc:
        following = _step(candidates, part)
        if following is None:
            return None
        candidates = following
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    return models[0] if len(models) == 1 else None


def _unknown_key_message(root: type[BaseModel], loc: tuple[int | str, ...], key: str | int) -> str:
    message = f"unknown key '{key}'"
    model = _section_model(root, loc[:-1])
    if model is None:
        return message
    if issubclass(model, PolicyModel) and model.unknown_key_hint:
        return f"{message} ({model.unknown_key_hint})"
    allowed = [field.alias or name for name, field in model.model_fields.items()]
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    if close:
        return f"{message}; did you mean '{close[0]}'?"
    if len(allowed) <= 12:
        return f"{message}; expected one of: {', '.join(allowed)}"
    return message


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


_PLAIN_MESSAGES = {
    "model_type": "should be a mapping",
    "model_attributes_type": "should be a mapping",
    "dict_type": "should be a mapping",
    "list_type": "should be a list",
    "string_type": "should be a text value",
}


def _plain(error: ErrorDetails) -> str:
    """Pydantic's message, as a sentence about the value."""
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    kind = error["type"]
    context = error.get("ctx", {})
    if kind in _PLAIN_MESSAGES:
        message = _PLAIN_MESSAGES[kind]
    elif kind == "too_short" and "min_length" in context:
        return f"should have at least {context['min_length']} item(s)"
    elif kind == "string_too_short":
        return "should not be empty"
    elif message.startswith("Input should"):
        message = "should" + message[len("Input should") :]
    return f"{message}; got {_shown(error.get('input'))}"


def describe_error(error: ErrorDetails, document: YamlDocument, root: type[BaseModel]) -> tuple[Mark, str]:
    """Where one validation error points in the file, and what it says."""
    loc = tuple(error["loc"])
    kind = error["type"]
    path, tail = _walk(document, loc)
    if kind == "extra_forbidden":
        return document.key_mark(path), f"{format_path(path[:-1])}: {_unknown_key_message(root, loc, path[-1])}"
    if kind == "missing" and tail is not None:
        return document.value_mark(path), f"{format_path(path)}: missing required key '{tail}'"
    if kind == "union_tag_not_found":
        field = str(error.get("ctx", {}).get("discriminator", "")).strip("'")
        if field:
            return document.value_mark(path), f"{format_path(path)}: missing required key '{field}'"
    if kind == "union_tag_invalid":
        context = error.get("ctx", {})
        field = str(context.get("discriminator", "")).strip("'")
        expected = re.sub(r"<\w+\.\w+: '?(\w+)'?>", r"\1", str(context.get("expected_tags", ""))).replace("'", "")
        where = (*path, field)
        message = f"{format_path(where)}: '{context.get('tag')}' is not one of: {expected}"
        return document.value_mark(where), message
    if tail == _KEY_ERROR_MARKER:
        return document.key_mark(path), f"{format_path(path[:-1])}: key {_plain(error)}"
    return document.value_mark(path), f"{format_path(path)}: {_plain(error)}"
