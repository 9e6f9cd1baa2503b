"""Connections: one per vendor account Baton reads, with its credentials (secrets by environment variable)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from core.policy.base import Name, PolicyModel
from core.policy.enums import AsanaPlan, Vendor
from core.policy.secrets import EnvRef, MissingSecretError, SecretValue, resolve_secret

__all__ = [
    "AsanaConnection",
    "AsanaCredentials",
    "Connection",
    "CredentialsError",
    "JiraConnection",
    "JiraCredentials",
    "TrelloConnection",
    "TrelloCredentials",
    "check_http_url",
    "resolve_credentials",
]


def check_http_url(value: str) -> str:
    """Return ``value`` without a trailing slash when it is an http(s) URL with a host, else raise ``ValueError``."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{value}' is not an http(s) URL with a host, e.g. https://acme.atlassian.net")
    return value.rstrip("/")


HttpUrl = Annotated[
    str,
    AfterValidator(check_http_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"}),
]
"""An http(s) base URL, stored without its trailing slash."""


class JiraCredentials(PolicyModel):
    """Jira Cloud: an account e-mail with an API token (basic auth), or a bearer ``token``."""

    email: SecretValue | None = Field(default=None, description="The Atlassian account e-mail (with api_token).")
    api_token: SecretValue | None = Field(default=None, description="An Atlassian API token (with email).")
    token: SecretValue | None = Field(
        default=None, description="A bearer token (OAuth / PAT), instead of email + api_token."
    )

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> Self:
        basic = self.email is not None or self.api_token is not None
        if basic and self.token is not None:
            raise ValueError("give either email + api_token or token, not both")
        if self.token is None and (self.email is None or self.api_token is None):
            raise ValueError("Jira needs email and api_token (basic auth), or token (bearer)")
        return self


class TrelloCredentials(PolicyModel):
    """Trello: the Power-Up API key and a user token; the application secret signs webhooks."""

    api_key: SecretValue = Field(description="The Trello API key.")
    token: SecretValue = Field(description="A Trello user token authorised for the key.")
    app_secret: SecretValue | None = Field(
        default=None, description="The application secret Trello signs webhooks with (X-Trello-Webhook)."
    )


class AsanaCredentials(PolicyModel):
    """Asana: a personal access token (PAT) or service account token."""

    token: SecretValue = Field(description="An Asana personal access token.")


class _ConnectionBase(PolicyModel):
    """What every connection has, whatever its vendor."""

    name: Name = Field(description="A unique name teams, people and schedules refer to, e.g. jira or trello-design.")
    base_url: HttpUrl = Field(description="The tool's base URL, e.g. https://acme.atlassian.net (http or https).")
    webhook_secret: SecretValue | None = Field(
        default=None, description="The secret Baton checks incoming webhooks against (Jira; Asana's is negotiated)."
    )
    enabled: bool = Field(default=True, description="false: keep the connection's data but stop syncing it.")


class JiraConnection(_ConnectionBase):
    """A Jira Cloud site."""

    vendor: Literal[Vendor.JIRA] = Field(description="jira, trello or asana.")
    credentials: JiraCredentials


class TrelloConnection(_ConnectionBase):
    """A Trello account (its boards)."""

    vendor: Literal[Vendor.TRELLO] = Field(description="jira, trello or asana.")
    credentials: TrelloCredentials


class AsanaConnection(_ConnectionBase):
    """An Asana workspace."""

    vendor: Literal[Vendor.ASANA] = Field(description="jira, trello or asana.")
    credentials: AsanaCredentials
    plan: AsanaPlan = Field(
        default=AsanaPlan.PAID,
        description="The workspace's Asana plan: free (150 API requests a minute) or paid (1,500); Baton stays under.",
    )


Connection = Annotated[JiraConnection | TrelloConnection | AsanaConnection, Field(discriminator="vendor")]
"""A connection, its credentials' keys chosen by ``vendor``."""


class CredentialsError(LookupError):
    """Credentials that name environment variables that are not set; lists every one."""

    def __init__(self, missing: list[MissingSecretError]) -> None:
        super().__init__("; ".join(str(error) for error in missing))
        self.missing = tuple(missing)

    @property
    def variables(self) -> tuple[str, ...]:
        """The unset variables, in the order the credentials list them."""
        return tuple(error.variable for error in self.missing)


def resolve_credentials(
    connection: JiraConnection | TrelloConnection | AsanaConnection, environ: Mapping[str, str]
) -> dict[str, str]:
    """The connection's credentials as values, ``{env: VAR}`` read from ``environ``; ``CredentialsError`` if unset."""
    resolved: dict[str, str] = {}
    missing: list[MissingSecretError] = []
    for key, value in connection.credentials:
        if value is None:
            continue
        assert isinstance(value, EnvRef | str)
        try:
            resolved[key] = resolve_secret(value, environ, where=f"connection '{connection.name}' credential {key}")
        except MissingSecretError as error:
            missing.append(error)
    if missing:
        raise CredentialsError(missing)
    return resolved
