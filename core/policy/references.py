"""Checks across sections, after parsing: every name the policy refers to must be defined, and only once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from core.policy.enums import ContainerKind, RuleId, Vendor
from core.policy.model import Policy
from core.policy.status_mapping import normalise_status
from core.policy.yaml_source import KeyPath

__all__ = ["ReferenceProblem", "find_reference_problems"]

KINDS_BY_VENDOR: dict[Vendor, frozenset[ContainerKind]] = {
    Vendor.JIRA: frozenset({ContainerKind.PROJECT, ContainerKind.BOARD}),
    Vendor.TRELLO: frozenset({ContainerKind.BOARD, ContainerKind.LIST}),
    Vendor.ASANA: frozenset({ContainerKind.PROJECT, ContainerKind.SECTION}),
}


@dataclass(frozen=True)
class ReferenceProblem:
    """A broken reference: where (a key path; ``at_key`` points at the key rather than its value) and what."""

    path: KeyPath
    message: str
    at_key: bool = False


def _known(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "none defined"


def _check_names_known(
    names: Iterable[str], known: Mapping[str, object] | set[str], base: KeyPath, what: str, section: str
) -> Iterator[ReferenceProblem]:
    """Each of ``names`` (keys under ``base``) must be one of ``known``."""
    for name in names:
        if name not in known:
            message = f"unknown {what} '{name}' (under `{section}`: {_known(known)})"
            yield ReferenceProblem((*base, name), message, at_key=True)


def _check_connections(policy: Policy) -> Iterator[ReferenceProblem]:
    seen: set[str] = set()
    for index, connection in enumerate(policy.connections):
        if connection.name in seen:
            yield ReferenceProblem(("connections", index, "name"), f"connection name '{connection.name}' is used twice")
        seen.add(connection.name)


def _check_teams(policy: Policy) -> Iterator[ReferenceProblem]:
    connections = {connection.name: connection for connection in policy.connections}
    people = {person.name for person in policy.people}
    for team_name, team in policy.teams.items():
        for index, container in enumerate(team.containers):
            where: KeyPath = ("teams", team_name, "containers", index)
            connection = connections.get(container.connection)
            if connection is None:
                message = f"unknown connection '{container.connection}' (under `connections`: {_known(connections)})"
                yield ReferenceProblem((*where, "connection"), message)
            elif container.kind is not None and container.kind not in KINDS_BY_VENDOR[connection.vendor]:
                allowed = " or ".join(sorted(KINDS_BY_VENDOR[connection.vendor]))
                message = f"a {connection.vendor} container is a {allowed}, not a {container.kind}"
                yield ReferenceProblem((*where, "kind"), message)
        for index, member in enumerate(team.members):
            if "@" not in member and member not in people:
                message = f"unknown person '{member}': name someone under `people`, or give an e-mail address"
                yield ReferenceProblem(("teams", team_name, "members", index), message)
        if policy.workflow.states:
            for index, state in enumerate(team.required_states):
                if policy.workflow.state(state) is None:
                    states = ", ".join(s.name for s in policy.workflow.states)
                    message = f"'{state}' is not a state of the reference workflow ({states})"
                    yield ReferenceProblem(("teams", team_name, "required_states", index), message)


def _check_people(policy: Policy) -> Iterator[ReferenceProblem]:
    connections = {connection.name for connection in policy.connections}
    names: set[str] = set()
    owners: dict[str, str] = {}
    for index, person in enumerate(policy.people):
        if person.name in names:
            yield ReferenceProblem(("people", index, "name"), f"person '{person.name}' is listed twice")
        names.add(person.name)
        for email_index, email in enumerate(person.emails):
            owner = owners.setdefault(email.casefold(), person.name)
            if owner != person.name:
                message = f"e-mail {email} already belongs to '{owner}'"
                yield ReferenceProblem(("people", index, "emails", email_index), message)
        yield from _check_names_known(
            person.accounts, connections, ("people", index, "accounts"), "connection", "connections"
        )
    yield from _check_names_known(policy.bots.accounts, connections, ("bots", "accounts"), "connection", "connections")


def _check_status_mapping(policy: Policy) -> Iterator[ReferenceProblem]:
    connections = {connection.name for connection in policy.connections}
    mapping = policy.status_mapping
    yield from _check_names_known(
        mapping.connections, connections, ("status_mapping", "connections"), "connection", "connections"
    )
    yield from _check_names_known(mapping.teams, set(policy.teams), ("status_mapping", "teams"), "team", "teams")


def _check_workflow(policy: Policy) -> Iterator[ReferenceProblem]:
    workflow = policy.workflow
    seen: set[str] = set()
    for index, state in enumerate(workflow.states):
        if normalise_status(state.name) in seen:
            yield ReferenceProblem(("workflow", "states", index, "name"), f"state '{state.name}' is listed twice")
        seen.add(normalise_status(state.name))
    states = ", ".join(state.name for state in workflow.states) or "none defined"
    for origin, targets in workflow.transitions.items():
        if workflow.state(origin) is None:
            message = f"unknown state '{origin}' (under `workflow.states`: {states})"
            yield ReferenceProblem(("workflow", "transitions", origin), message, at_key=True)
        for index, target in enumerate(targets):
            if workflow.state(target) is None:
                message = f"unknown state '{target}' (under `workflow.states`: {states})"
                yield ReferenceProblem(("workflow", "transitions", origin, index), message)


def _check_rules(policy: Policy) -> Iterator[ReferenceProblem]:
    for rule_id in RuleId:
        settings = policy.rules.get(rule_id)
        where: KeyPath = ("rules", rule_id.value, "teams")
        yield from _check_names_known(settings.teams, set(policy.teams), where, "team", "teams")
        for team_name, override in settings.teams.items():
            if override.teams:
                message = "a team override cannot hold its own `teams`"
                yield ReferenceProblem((*where, team_name, "teams"), message, at_key=True)


def _check_schedules_and_report(policy: Policy) -> Iterator[ReferenceProblem]:
    connections = {connection.name for connection in policy.connections}
    sync = policy.schedules.sync.connections
    yield from _check_names_known(sync, connections, ("schedules", "sync", "connections"), "connection", "connections")
    for index, team in enumerate(policy.report.teams):
        if team not in policy.teams:
            message = f"unknown team '{team}' (under `teams`: {_known(policy.teams)})"
            yield ReferenceProblem(("report", "teams", index), message)


def find_reference_problems(policy: Policy) -> list[ReferenceProblem]:
    """Every broken or duplicated reference in ``policy``."""
    checks = (
        _check_connections,
        _check_teams,
        _check_people,
        _check_status_mapping,
        _check_workflow,
        _check_rules,
        _check_schedules_and_report,
    )
    return [problem for check in checks for problem in check(policy)]
