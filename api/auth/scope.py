"""What a key may see: the whole organisation, or (a team-scoped viewer key) only some teams' data.

Scoped keys see the items in the containers their teams own, the findings filed under their teams, those teams'
boards, sprints, hygiene, flow and reports, and people only through the items they carry in those teams. Anything
else answers 404 (one object) or is left out (lists), exactly as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement
from sqlmodel import Session

from api.auth.deps import require_viewer
from api.auth.keys import KeyIdentity
from api.views.tallies import TeamContainers
from api.views.teams import scope_condition, teams_containers
from core.policy import Policy

__all__ = ["WHOLE_ORGANISATION", "KeyScope", "ScopeDep", "key_scope"]


@dataclass(frozen=True)
class KeyScope:
    """``teams`` is ``None`` for a key that sees the whole organisation."""

    teams: frozenset[str] | None = None

    @property
    def whole(self) -> bool:
        """Whether the key sees everything."""
        return self.teams is None

    def allows_team(self, team: str | None) -> bool:
        """Whether data filed under ``team`` is visible (unowned data only to whole-organisation keys)."""
        return self.teams is None or (team is not None and team in self.teams)

    def containers(self, session: Session, policy: Policy | None) -> TeamContainers | None:
        """The containers of the key's teams together (``None`` for the whole organisation)."""
        return None if self.teams is None else teams_containers(session, policy, self.teams)

    def item_condition(self, session: Session, policy: Policy | None) -> ColumnElement[bool] | None:
        """The items the key may see, as a WHERE clause (``None``: every item)."""
        containers = self.containers(session, policy)
        return None if containers is None else scope_condition(containers)


WHOLE_ORGANISATION = KeyScope()  # an unscoped key's view (the dashboard signs in only with these)


def key_scope(identity: KeyIdentity) -> KeyScope:
    """The scope of an authenticated key."""
    return KeyScope(frozenset(identity.teams) if identity.teams is not None else None)


def get_scope(identity: Annotated[KeyIdentity, Depends(require_viewer)]) -> KeyScope:
    """The request's key scope (a dependency; the key itself is resolved once per request)."""
    return key_scope(identity)


ScopeDep = Annotated[KeyScope, Depends(get_scope)]
