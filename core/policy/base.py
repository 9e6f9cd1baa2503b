"""The base of every policy model, and the small value types the sections share."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema

__all__ = ["Name", "PolicyModel", "Text", "TimeZoneName", "check_time_zone"]


class PolicyModel(BaseModel):
    """A section of the policy file: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Appended to "unknown key" messages for this section (e.g. which rule ids exist).
    unknown_key_hint: ClassVar[str] = ""


def _number_to_text(value: Any) -> Any:
    """Accept an unquoted number where an identifier is expected (YAML reads ``id: 42`` as an int)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[
    str,
    BeforeValidator(_number_to_text),
    StringConstraints(min_length=1),
    WithJsonSchema({"type": ["string", "integer"], "minLength": 1}),
]
"""A non-empty identifier or label; an unquoted number is read as its text."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""A name the policy defines and refers to elsewhere (a connection, a person)."""


def check_time_zone(value: str) -> str:
    """Return ``value`` when it names an IANA time zone, else raise ``ValueError``."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"'{value}' is not an IANA time zone (for example UTC, Europe/Paris, America/New_York)"
        ) from None
    return value


TimeZoneName = Annotated[
    str,
    AfterValidator(check_time_zone),
    WithJsonSchema({"type": "string", "description": "An IANA time zone, e.g. Europe/Paris."}),
]
