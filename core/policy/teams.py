"""Teams: which containers each owns in which tool, and the process settings rules read per team."""

from __future__ import annotations

from typing import Self

from pydantic import Field, NonNegativeInt, model_validator

from core.policy.base import Name, PolicyModel, Text, TimeZoneName
from core.policy.enums import ContainerKind

__all__ = ["ContainerRef", "Team"]


class ContainerRef(PolicyModel):
    """A container a team owns: a Jira project or board, a Trello board or list, an Asana project or section."""

    connection: Name = Field(description="The name of a connection under `connections`.")
    kind: ContainerKind | None = Field(default=None, description="project, board, list or section.")
    id: Text | None = Field(default=None, description="The container's id in its tool.")
    key: Text | None = Field(default=None, description="A Jira project key, e.g. WEB.")
    name: Text | None = Field(default=None, description="The container's name as shown in its tool.")

    @model_validator(mode="after")
    def _exactly_one_identifier(self) -> Self:
        given = [field for field in ("id", "key", "name") if getattr(self, field) is not None]
        if len(given) != 1:
            raise ValueError(f"name the container by exactly one of id, key or name (got {', '.join(given) or 'none'})")
        return self


class Team(PolicyModel):
    """A team: its containers, calendar and the process it agreed to."""

    containers: list[ContainerRef] = Field(default_factory=list, description="The containers the team owns.")
    timezone: TimeZoneName = Field(default="UTC", description="The team's IANA time zone, for due dates and days.")
    business_days: bool = Field(default=False, description="Count rule thresholds in business days (Mon-Fri).")
    members: list[Text] = Field(
        default_factory=list, description="People in the team: names from `people`, or e-mail addresses."
    )
    requires_epics: bool = Field(default=False, description="Every item must sit under an epic (rule R07).")
    required_states: list[Text] = Field(
        default_factory=list, description="Workflow states an item must pass through before done (rule R12)."
    )
    wip_limits: dict[Text, NonNegativeInt] = Field(
        default_factory=dict,
        description="Work-in-progress limits by raw column/status name or status category (rule R14).",
    )
