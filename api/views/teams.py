"""Teams and the containers they own: the policy's team definitions plus ``container.team`` in the store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, false, or_, select
from sqlmodel import Session

from api.views.tallies import TeamContainers
from core.policy import ContainerRef, Policy
from models.tables import CONNECTIONS, CONTAINERS, ITEMS

__all__ = [
    "TeamContainer",
    "TeamPublic",
    "container_teams",
    "items_of_containers",
    "list_team_names",
    "scope_condition",
    "team_container_ids",
    "team_containers",
    "team_scope",
    "teams_containers",
]


class TeamContainer(BaseModel):
    """A container a team owns."""

    id: int
    connection: str
    kind: str
    key: str | None
    name: str


class TeamPublic(BaseModel):
    """A team, where it is defined, the containers it owns and its open workload."""

    name: str = Field(examples=["payments"])
    defined_in: list[str] = Field(description="`policy` and/or `store` (containers tagged with the team).")
    timezone: str = Field(description="The team's time zone (UTC when the policy does not say).")
    containers: list[TeamContainer]
    open_items: int = Field(description="Live items not done and not cancelled in the team's containers.")
    wip_limits: dict[str, int] = Field(description="WIP limits by raw status or status category, from the policy.")


def _ref_condition(ref: ContainerRef) -> ColumnElement[bool]:
    if ref.id is not None:
        return CONTAINERS.c.external_id == ref.id
    if ref.key is not None:
        return CONTAINERS.c.key == ref.key
    return CONTAINERS.c.name == (ref.name or "")


def _policy_container_ids(session: Session, refs: Iterable[ContainerRef]) -> set[int]:
    found: set[int] = set()
    for ref in refs:
        query = (
            select(CONTAINERS.c.id)
            .join(CONNECTIONS, CONNECTIONS.c.id == CONTAINERS.c.connection_id)
            .where(CONNECTIONS.c.name == ref.connection, _ref_condition(ref))
        )
        if ref.kind is not None:
            query = query.where(CONTAINERS.c.kind == str(ref.kind))
        found.update(int(i) for i in session.execute(query).scalars())
    return found


def team_container_ids(session: Session, policy: Policy | None, team: str) -> set[int]:
    """Containers ``team`` owns (policy and ``container.team``), with their child lists and sections."""
    owned = {int(i) for i in session.execute(select(CONTAINERS.c.id).where(CONTAINERS.c.team == team)).scalars()}
    if policy is not None and team in policy.teams:
        owned |= _policy_container_ids(session, policy.teams[team].containers)
    if owned:
        children = select(CONTAINERS.c.id).where(CONTAINERS.c.parent_id.in_(sorted(owned)))
        owned |= {int(i) for i in session.execute(children).scalars()}
    return owned


def list_team_names(session: Session, policy: Policy | None) -> dict[str, list[str]]:
    """Every team name, with where it is defined (``policy``, ``store``)."""
    names: dict[str, list[str]] = defaultdict(list)
    for name in policy.teams if policy is not None else ():
        names[name].append("policy")
    stored = select(CONTAINERS.c.team).where(CONTAINERS.c.team.is_not(None)).distinct()
    for name in session.execute(stored).scalars():
        names[str(name)].append("store")
    return dict(sorted(names.items()))


def container_teams(session: Session, policy: Policy | None, container_ids: Iterable[int]) -> dict[int, str]:
    """The owning team of each of ``container_ids`` (policy first, then ``container.team``)."""
    ids = sorted(set(container_ids))
    if not ids:
        return {}
    owners: dict[int, str] = {}
    rows = session.execute(
        select(CONTAINERS.c.id, CONTAINERS.c.team, CONTAINERS.c.parent_id).where(CONTAINERS.c.id.in_(ids))
    )
    parents: dict[int, int] = {}
    for container_id, team, parent_id in rows:
        if team is not None:
            owners[int(container_id)] = str(team)
        if parent_id is not None:
            parents[int(container_id)] = int(parent_id)
    if policy is not None:
        for name, team_policy in policy.teams.items():
            owned = _policy_container_ids(session, team_policy.containers)
            for container_id in ids:
                if container_id in owned or parents.get(container_id) in owned:
                    owners[container_id] = name
    return owners


def items_of_containers(container_ids: set[int], sub_ids: set[int] | None = None) -> ColumnElement[bool]:
    """Items whose container is one of ``container_ids`` or whose list / section is one of ``sub_ids``.

    Without ``sub_ids`` every id is tried as both; with them the condition stays a single indexed ``IN`` when a
    team owns whole projects and boards (their lists and sections are covered by the parent).
    """
    if not container_ids and not sub_ids:
        return false()
    if sub_ids is None:
        ids = sorted(container_ids)
        return or_(ITEMS.c.container_id.in_(ids), ITEMS.c.subcontainer_id.in_(ids))
    if not sub_ids:
        return ITEMS.c.container_id.in_(sorted(container_ids))
    return or_(ITEMS.c.container_id.in_(sorted(container_ids)), ITEMS.c.subcontainer_id.in_(sorted(sub_ids)))


def team_containers(
    session: Session, policy: Policy | None, team: str, *, owned: set[int] | None = None
) -> TeamContainers:
    """The team's projects and boards (their lists and sections included) and the lone lists / sections it owns
    (``owned``: the team's container ids when already read)."""
    owned = team_container_ids(session, policy, team) if owned is None else owned
    if not owned:
        return TeamContainers(frozenset(), frozenset())
    rows = session.execute(
        select(CONTAINERS.c.id, CONTAINERS.c.kind, CONTAINERS.c.parent_id).where(CONTAINERS.c.id.in_(sorted(owned)))
    ).all()
    primary = {int(i) for i, kind, _ in rows if kind in ("project", "board")}
    subs = {int(i) for i, kind, parent in rows if kind not in ("project", "board") and parent not in primary}
    return TeamContainers(frozenset(primary), frozenset(subs))


def teams_containers(session: Session, policy: Policy | None, teams: Iterable[str]) -> TeamContainers:
    """The containers of several teams together, as one scope."""
    primary: set[int] = set()
    subs: set[int] = set()
    for team in sorted(set(teams)):
        owned = team_containers(session, policy, team)
        primary |= owned.primary
        subs |= owned.subs
    return TeamContainers(frozenset(primary), frozenset(subs - primary))


def scope_condition(scope: TeamContainers) -> ColumnElement[bool]:
    """Items inside ``scope``: projects and boards by ``container_id``, lone lists / sections by theirs."""
    if not scope.primary and not scope.subs:
        return false()
    return items_of_containers(set(scope.primary), set(scope.subs))


def team_scope(session: Session, policy: Policy | None, team: str) -> ColumnElement[bool]:
    """Items in containers ``team`` owns: projects and boards by ``container_id``, lone lists / sections by theirs."""
    return scope_condition(team_containers(session, policy, team))
