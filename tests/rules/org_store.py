"""Bench-only loader: the emulator's generated organisation -> connectors.records -> the store (StoreWriter).

The sweep benchmark (bench/rules_sweep.py) loads 100,000 to 1,000,000 items with it, far faster than serving
them over HTTP. The planted-cases acceptance test does not use it: it syncs the emulators through the real
connectors (tests/rules/live_pipeline.py). One connection per tool, containers (Jira project + board, Trello
board + lists, Asana project + sections), people, sprints, items with their full history, remote links and
sprint memberships. Trello and Asana mentions are left in titles and descriptions for sync.links to find.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from connectors.records import (
    Batch,
    ContainerIn,
    Discovery,
    LinkIn,
    PersonIn,
    SprintIn,
    SprintMembershipIn,
    TransitionIn,
    WorkItemIn,
)
from core.policy import Policy, load_policy_text
from emulators.ids import jira_account_id
from emulators.org.generator import Organisation, OrgConfig
from emulators.org.model import EventKind, GeneratedItem, ItemType, LinkKind, StatusKind, Team, Vendor, event_serial
from models.db import Database
from models.enums import ContainerKind, LinkOrigin, SprintState, StatusCategory
from models.enums import ItemType as StoreItemType
from models.enums import Vendor as StoreVendor
from sync.store import StoreWriter, ensure_connection

REFERENCE_STATES = {"Backlog", "To Do", "In Progress", "In Review", "Done", "Won't Do"}
POLICY_TEMPLATE = Path(__file__).with_name("planted_policy.yaml")
BASE_URLS = {
    Vendor.JIRA: "https://acme.atlassian.net",
    Vendor.TRELLO: "https://api.trello.com",
    Vendor.ASANA: "https://app.asana.com",
}


def epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def account(vendor: Vendor, person: int) -> str:
    """A person's account id in a tool."""
    if vendor is Vendor.JIRA:
        return jira_account_id(person)
    return f"{vendor.value}-member-{person}"


def team_name(vendor: Vendor, team: int) -> str:
    return f"{vendor.value}-{team}"


def board_id(team: int) -> str:
    return f"board-{team}"


def column_id(container: str, position: int) -> str:
    return f"{container}-col-{position}"


def build_policy(org: Organisation) -> Policy:
    """The fixture policy with one team per generated team and tool, owning its container."""
    document: dict[str, Any] = yaml.safe_load(POLICY_TEMPLATE.read_text())
    teams: dict[str, Any] = {}
    for vendor in Vendor:
        for team in org.teams(vendor):
            containers: list[dict[str, Any]] = [
                {"connection": vendor.value, "id": org.container_id(vendor, team.index)}
            ]
            if vendor is Vendor.JIRA:
                containers.append({"connection": "jira", "kind": "board", "id": board_id(team.index)})
            teams[team_name(vendor, team.index)] = {
                "containers": containers,
                "timezone": team.timezone,
                "requires_epics": True,
                # The policy may only require states of the reference workflow.
                "required_states": [s.name for s in team.workflow.progress_path() if s.name in REFERENCE_STATES],
            }
    document["teams"] = teams
    return load_policy_text(yaml.safe_dump(document), source="planted_policy.yaml").policy


def _discovery(org: Organisation, vendor: Vendor) -> Discovery:
    containers: list[ContainerIn] = []
    for team in org.teams(vendor):
        container = org.container_id(vendor, team.index)
        if vendor is Vendor.JIRA:
            containers.append(ContainerIn(ContainerKind.PROJECT, container, team.name, key=team.key))
            containers.append(ContainerIn(ContainerKind.BOARD, board_id(team.index), f"{team.name} board"))
        else:
            kind = ContainerKind.BOARD if vendor is Vendor.TRELLO else ContainerKind.PROJECT
            sub = ContainerKind.LIST if vendor is Vendor.TRELLO else ContainerKind.SECTION
            containers.append(
                ContainerIn(kind, container, team.name, url=f"https://{vendor.value}.example/{container}")
            )
            containers += [
                ContainerIn(sub, column_id(container, i), status.name, parent_external_id=container)
                for i, status in enumerate(team.workflow.statuses)
            ]
    people = tuple(
        PersonIn(account(vendor, p.id), p.accounts[vendor], p.email, p.is_bot) for p in org.people_of(vendor)
    )
    sprints: tuple[SprintIn, ...] = ()
    if vendor is Vendor.JIRA:
        sprints = tuple(
            SprintIn(
                external_id=str(s.id),
                name=s.name,
                state=SprintState(s.state.value),
                board_external_id=board_id(team.index),
                start_at=epoch(s.start),
                end_at=epoch(s.end),
                complete_at=epoch(s.complete) if s.complete is not None else None,
            )
            for team in org.teams(Vendor.JIRA)
            for s in org.sprints(team.index)
        )
    return Discovery(containers=tuple(containers), people=people, sprints=sprints)


def _category(team: Team, status: str | None) -> StatusCategory | None:
    if status is None:
        return None
    found = team.workflow.by_name(status)
    if found is None or found.kind is StatusKind.INVENTED:
        return StatusCategory.UNKNOWN
    return StatusCategory(found.category.value)


def _transitions(org: Organisation, vendor: Vendor, team: Team, generated: GeneratedItem) -> tuple[TransitionIn, ...]:
    item = generated.item
    out: list[TransitionIn] = []
    for event in generated.events:
        kind = event.kind
        if kind is EventKind.DELETED:
            continue
        field = "status" if kind in (EventKind.CREATED, EventKind.STATUS) else kind.value
        before, after = event.before, event.after
        if kind is EventKind.ASSIGNEE:
            before = account(vendor, int(before)) if before is not None else None
            after = account(vendor, int(after)) if after is not None else None
        if kind is EventKind.COMMENT:
            before, after = None, (after or "")[:200]
        status = field == "status"
        out.append(
            TransitionIn(
                field=field,
                from_value=before,
                to_value=after,
                changed_at=epoch(event.at),
                event_id=str(event_serial(item.index, event.number)),
                author_external_id=account(vendor, event.author),
                from_category=_category(team, before) if status else None,
                to_category=_category(team, after) if status else None,
            )
        )
    return tuple(out)


def _memberships(generated: GeneratedItem) -> tuple[SprintMembershipIn, ...]:
    stays: dict[str, list[datetime | None]] = {}
    current: str | None = None
    for event in generated.events:
        if event.kind is not EventKind.SPRINT:
            continue
        at = epoch(event.at)
        if current is not None:
            stays[current][1] = at
        if event.after is not None:
            stays[event.after] = [at, None]
        current = event.after
    return tuple(SprintMembershipIn(sprint, added, removed) for sprint, (added, removed) in stays.items())


def convert_item(org: Organisation, vendor: Vendor, generated: GeneratedItem) -> WorkItemIn:
    """One generated item as a connector would normalise it."""
    item = generated.item
    team = org.team(vendor, item.team)
    container = org.container_id(vendor, item.team)
    parent_id = org.identity(vendor, item.parent).external_id if item.parent is not None else None
    position = team.workflow.position(item.status)
    links = tuple(
        LinkIn(link.url, "relates", LinkOrigin.EXPLICIT) for link in item.links if link.kind is LinkKind.REMOTE_LINK
    )
    return WorkItemIn(
        external_id=item.external_id,
        title=item.title,
        type=StoreItemType(item.type.value),
        status_raw=item.status,
        status_category=_category(team, item.status) or StatusCategory.UNKNOWN,
        created_at=epoch(item.created_at),
        updated_at=epoch(item.updated_at),
        version=f"{len(generated.events):06d}",
        key=item.key,
        description=item.description or None,
        assignee_external_id=account(vendor, item.assignee) if item.assignee is not None else None,
        reporter_external_id=account(vendor, item.reporter),
        labels=item.labels,
        estimate=item.estimate,
        due=item.due,
        flagged=item.flagged,
        container_external_id=container,
        subcontainer_external_id=column_id(container, position) if vendor is not Vendor.JIRA else None,
        parent_external_id=parent_id,
        epic_external_id=parent_id if parent_id is not None and item.type is not ItemType.SUBTASK else None,
        sprint_external_id=str(item.sprint) if item.sprint is not None else None,
        resolution=item.resolution,
        url=item.url,
        resolved_at=epoch(item.resolved_at) if item.resolved_at is not None else None,
        last_activity_at=epoch(item.last_activity_at),
        transitions=_transitions(org, vendor, team, generated),
        links=links,
        sprints=_memberships(generated),
    )


def _batches(org: Organisation, vendor: Vendor, size: int) -> Iterator[Batch]:
    for start in range(0, org.item_count(vendor), size):
        stop = min(start + size, org.item_count(vendor))
        yield Batch(items=tuple(convert_item(org, vendor, org.generate(vendor, i)) for i in range(start, stop)))


def load_org(database: Database, org: Organisation, *, batch_size: int = 500) -> dict[Vendor, int]:
    """Write the whole organisation into the store; connection id per tool."""
    now = epoch(org.now)
    connections: dict[Vendor, int] = {}
    for vendor in Vendor:
        connection_id = ensure_connection(database, name=vendor.value, vendor=vendor.value, base_url=BASE_URLS[vendor])
        connections[vendor] = connection_id
        writer = StoreWriter(database, connection_id, StoreVendor(vendor.value), clock=lambda: now)
        writer.apply_discovery(_discovery(org, vendor))
        for batch in _batches(org, vendor, batch_size):
            writer.apply_batch(batch)
    return connections


def organisation(seed: int, items: int) -> Organisation:
    return Organisation(OrgConfig(seed=seed, items=items))
