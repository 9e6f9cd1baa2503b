"""The policy file's root model: Baton's process, as code."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.policy.base import Name, PolicyModel
from core.policy.connections import AsanaConnection, Connection, JiraConnection, TrelloConnection
from core.policy.hygiene import Hygiene
from core.policy.people import Bots, Person
from core.policy.report import Report
from core.policy.rules import RulesPolicy
from core.policy.schedules import Schedules
from core.policy.status_mapping import StatusMapping
from core.policy.teams import Team
from core.policy.workflow import Workflow

__all__ = ["Policy"]


class Policy(PolicyModel):
    """Baton's policy file: connections, teams, people, status mapping, workflow, rules, schedules and report."""

    version: Literal[1] = Field(default=1, description="The policy file format; this Baton reads version 1.")
    connections: list[Connection] = Field(default_factory=list, description="The tool accounts Baton reads.")
    teams: dict[Name, Team] = Field(default_factory=dict, description="Teams by name, and the containers each owns.")
    people: list[Person] = Field(default_factory=list, description="Manual aliases: one person's e-mails and accounts.")
    bots: Bots = Field(default_factory=Bots, description="Accounts whose changes are not human activity.")
    status_mapping: StatusMapping = Field(
        default_factory=StatusMapping, description="Raw status -> category overrides, and blocked statuses."
    )
    workflow: Workflow = Field(default_factory=Workflow, description="The organisation's reference workflow.")
    rules: RulesPolicy = Field(default_factory=RulesPolicy, description="Rule settings by rule id (R01-R20).")
    hygiene: Hygiene = Field(default_factory=Hygiene, description="Hygiene score weights.")
    schedules: Schedules = Field(default_factory=Schedules, description="When the jobs run (cron).")
    report: Report = Field(default_factory=Report, description="The nightly hygiene report.")

    def connection(self, name: str) -> JiraConnection | TrelloConnection | AsanaConnection | None:
        """The connection called ``name``, or ``None``."""
        return next((connection for connection in self.connections if connection.name == name), None)

    def person(self, name: str) -> Person | None:
        """The person called ``name``, or ``None``."""
        return next((person for person in self.people if person.name == name), None)

    def teams_of_connection(self, name: str) -> list[str]:
        """The teams owning at least one container on connection ``name``."""
        return [
            team_name for team_name, team in self.teams.items() if any(c.connection == name for c in team.containers)
        ]
