"""Secrets in the policy file: ``{env: VAR_NAME}`` (the normal way) or a literal string (warned about)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Discriminator, Field, Tag, WithJsonSchema

from core.policy.base import PolicyModel

__all__ = ["EnvRef", "LiteralSecret", "MissingSecretError", "SecretValue", "resolve_secret"]


_ENV_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_env_var_name(value: str) -> str:
    """Return ``value`` when it can name an environment variable, else raise ``ValueError``."""
    if not _ENV_VAR_NAME.fullmatch(value):
        raise ValueError(
            f"'{value}' is not an environment variable name (letters, digits and _, not starting with a digit)"
        )
    return value


EnvVarName = Annotated[
    str, AfterValidator(check_env_var_name), WithJsonSchema({"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"})
]


class EnvRef(PolicyModel):
    """A secret read from an environment variable when Baton needs it."""

    env: EnvVarName = Field(description="The environment variable holding the secret, e.g. JIRA_API_TOKEN.")


class LiteralSecret(str):
    """A secret written into the policy file itself: allowed (the emulators' demo files do it), but warned about."""

    __slots__ = ()


class MissingSecretError(LookupError):
    """An ``{env: VAR}`` secret whose variable is unset or empty."""

    def __init__(self, variable: str, where: str) -> None:
        super().__init__(f"{where}: environment variable {variable} is not set (or is empty)")
        self.variable = variable
        self.where = where


# Tags show in error locations; they must not look like a key the user could write.
_ENV_TAG = "<env reference>"
_LITERAL_TAG = "<literal>"


def _secret_tag(value: Any) -> str | None:
    """Pick the secret's form from its YAML shape: a mapping is ``{env: …}``, a string is a literal."""
    if isinstance(value, Mapping | EnvRef):
        return _ENV_TAG
    if isinstance(value, str):
        return _LITERAL_TAG
    return None


SecretValue = Annotated[
    Annotated[EnvRef, Tag(_ENV_TAG)]
    | Annotated[str, Field(min_length=1), AfterValidator(LiteralSecret), Tag(_LITERAL_TAG)],
    Discriminator(
        _secret_tag,
        custom_error_type="secret_shape",
        custom_error_message="expected {env: VAR_NAME} or a literal string",
    ),
]
"""A secret: ``{env: VAR_NAME}`` or a literal string."""


def resolve_secret(value: EnvRef | str, environ: Mapping[str, str], *, where: str) -> str:
    """The secret's value: a literal as written, ``{env: VAR}`` from ``environ`` (``MissingSecretError`` if unset)."""
    if isinstance(value, EnvRef):
        resolved = environ.get(value.env, "")
        if not resolved:
            raise MissingSecretError(value.env, where)
        return resolved
    return str(value)
