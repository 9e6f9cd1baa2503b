"""Status mapping overrides: raw status / list / section name -> category, and which raw statuses mean blocked."""

from __future__ import annotations

from pydantic import Field

from core.policy.base import Name, PolicyModel, Text
from core.policy.enums import MappedCategory

__all__ = ["StatusMapping", "StatusOverrides", "normalise_status"]


def normalise_status(raw: str) -> str:
    """The form raw statuses are matched in: case and runs of whitespace ignored."""
    return " ".join(raw.split()).casefold()


class StatusOverrides(PolicyModel):
    """One scope's overrides (global, a connection's, or a team's)."""

    categories: dict[Text, MappedCategory] = Field(
        default_factory=dict,
        description="Raw status, Trello list or Asana section name -> backlog, todo, in_progress, done or cancelled.",
    )
    blocked: list[Text] = Field(default_factory=list, description="Raw statuses that mean the item is blocked (R04).")

    def find_category(self, raw: str) -> MappedCategory | None:
        """This scope's category for ``raw`` (case-insensitive), or ``None``."""
        wanted = normalise_status(raw)
        for name, category in self.categories.items():
            if normalise_status(name) == wanted:
                return category
        return None

    def lists_blocked(self, raw: str) -> bool:
        """Whether this scope lists ``raw`` as blocked (case-insensitive)."""
        wanted = normalise_status(raw)
        return any(normalise_status(name) == wanted for name in self.blocked)


class StatusMapping(StatusOverrides):
    """Overrides applied after the vendor's own category: a team's win over a connection's, which win over global."""

    connections: dict[Name, StatusOverrides] = Field(
        default_factory=dict, description="Overrides for one connection, by connection name."
    )
    teams: dict[Name, StatusOverrides] = Field(
        default_factory=dict, description="Overrides for one team, by team name."
    )

    def _scopes(self, team: str | None, connection: str | None) -> list[StatusOverrides]:
        scopes: list[StatusOverrides] = []
        if team is not None and team in self.teams:
            scopes.append(self.teams[team])
        if connection is not None and connection in self.connections:
            scopes.append(self.connections[connection])
        scopes.append(self)
        return scopes

    def category_for(
        self, raw: str, *, team: str | None = None, connection: str | None = None
    ) -> MappedCategory | None:
        """The overriding category of ``raw`` for an item of ``team`` on ``connection``; ``None`` when none applies."""
        for scope in self._scopes(team, connection):
            category = scope.find_category(raw)
            if category is not None:
                return category
        return None

    def is_blocked(self, raw: str, *, team: str | None = None, connection: str | None = None) -> bool:
        """Whether ``raw`` means blocked in any applicable scope (the scopes' lists add up)."""
        return any(scope.lists_blocked(raw) for scope in self._scopes(team, connection))
