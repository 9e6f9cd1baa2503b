"""The nightly hygiene report: where it goes and which teams it covers."""

from __future__ import annotations

from pydantic import Field

from core.policy.base import Name, PolicyModel, Text
from core.policy.secrets import SecretValue

__all__ = ["EmailDelivery", "FileDelivery", "Report", "ReportDelivery", "SlackDelivery"]


class SlackDelivery(PolicyModel):
    """Post the report's summary to a Slack incoming webhook."""

    webhook_url: SecretValue = Field(description="The incoming webhook URL, normally {env: SLACK_WEBHOOK_URL}.")


class EmailDelivery(PolicyModel):
    """Mail the report over SMTP."""

    smtp_host: Text = Field(description="The SMTP server's host name.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="The SMTP port.")
    starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    username: SecretValue | None = Field(default=None, description="The SMTP user, if the server needs one.")
    password: SecretValue | None = Field(default=None, description="The SMTP password, normally {env: SMTP_PASSWORD}.")
    sender: Text = Field(description="The From address.")
    to: list[Text] = Field(min_length=1, description="Recipients.")


class FileDelivery(PolicyModel):
    """Write the report's files (HTML, Markdown, JSON) into a directory."""

    path: Text = Field(description="The directory, relative to Baton's working directory or absolute.")


class ReportDelivery(PolicyModel):
    """Where the report goes; any combination (it is always served by the API too)."""

    slack: SlackDelivery | None = None
    email: EmailDelivery | None = None
    file: FileDelivery | None = None


class Report(PolicyModel):
    """The nightly hygiene report."""

    teams: list[Name] = Field(default_factory=list, description="Teams to report on; empty means every team.")
    delivery: ReportDelivery = Field(default_factory=ReportDelivery, description="Where to send it.")
