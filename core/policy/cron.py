"""Cron expressions: five fields (minute hour day-of-month month day-of-week), checked with a clear message."""

from __future__ import annotations

from typing import Annotated, NamedTuple

from pydantic import AfterValidator, WithJsonSchema

__all__ = ["CronExpression", "check_cron"]


class _Field(NamedTuple):
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    _Field("day-of-week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)


def _parse_value(text: str, field: _Field) -> int:
    """One value of a field: a number in range, or a month / weekday name."""
    lowered = text.lower()
    if lowered in field.names:
        return field.names.index(lowered) + (1 if field.name == "month" else 0)
    if not text.isdigit():
        raise ValueError(f"{field.name} field: '{text}' is not a number")
    value = int(text)
    if not field.low <= value <= field.high:
        raise ValueError(f"{field.name} field: {value} is outside {field.low}-{field.high}")
    return value


def _check_part(part: str, field: _Field) -> None:
    """One comma-separated part: ``*``, ``a``, ``a-b``, each optionally ``/step``."""
    base, slash, step = part.partition("/")
    if slash and (not step.isdigit() or int(step) == 0):
        raise ValueError(f"{field.name} field: step '{step}' must be a positive number")
    if base == "*":
        return
    start, dash, end = base.partition("-")
    first = _parse_value(start, field)
    if dash and _parse_value(end, field) < first:
        raise ValueError(f"{field.name} field: range '{base}' runs backwards")


def check_cron(expression: str) -> str:
    """Return ``expression`` when it is a valid five-field cron expression, else raise ``ValueError``."""
    fields = expression.split()
    if len(fields) != len(_FIELDS):
        raise ValueError(
            f"cron expression '{expression}' has {len(fields)} field(s); expected 5: "
            "minute hour day-of-month month day-of-week, e.g. '*/15 * * * *'"
        )
    for text, field in zip(fields, _FIELDS, strict=True):
        for part in text.split(","):
            if not part:
                raise ValueError(f"{field.name} field: empty item in '{text}'")
            _check_part(part, field)
    return " ".join(fields)


CronExpression = Annotated[
    str,
    AfterValidator(check_cron),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*\S+(\s+\S+){4}\s*$",
            "description": "A cron expression: minute hour day-of-month month day-of-week (quote it in YAML).",
        }
    ),
]
