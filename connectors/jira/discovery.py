"""What a Jira site holds before any issue is read: projects, boards, statuses, fields, people, sprints."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.config import ConnectorConfig
from connectors.jira.client import JiraClient
from connectors.jira.mapping import (
    SPRINT_PLUGIN,
    JiraSchema,
    board_project_ref,
    find_custom_field,
    find_estimate_field,
    find_flagged_field,
    map_board,
    map_project,
    map_sprint,
    map_status,
    map_user,
)
from connectors.records import ContainerIn, Discovery, PersonIn, SprintIn, StatusIn
from models.enums import ContainerKind

__all__ = ["SiteFacts", "discover_people", "discover_site", "discover_sprints", "read_each"]

T = TypeVar("T")


def read_each(read: Callable[[str], T], keys: Sequence[str], *, workers: int) -> list[T]:
    """``read`` of every key, in the keys' order, ``workers`` reads in flight at once (the client's rate gate
    bounds the requests); the first failure is raised."""
    if workers <= 1 or len(keys) <= 1:
        return [read(key) for key in keys]
    with ThreadPoolExecutor(max_workers=min(workers, len(keys)), thread_name_prefix="jira-discovery") as pool:
        return list(pool.map(read, keys))


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteFacts:
    """What pulls need from discovery: the mapping schema, the projects, boards and the user's time zone."""

    schema: JiraSchema
    projects: tuple[ContainerIn, ...]
    boards: tuple[ContainerIn, ...]
    statuses: tuple[StatusIn, ...]
    time_zone: tzinfo
    myself: dict[str, Any]
    scrum_board_ids: tuple[str, ...] = ()

    @property
    def project_ids(self) -> list[str]:
        """Ids of every project of the connection, in key order."""
        return [p.external_id for p in self.projects]


def _time_zone(name: object) -> tzinfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown Jira user time zone %r; JQL dates are sent in UTC", name)
        return ZoneInfo("UTC")


def _scrum_board(raw: dict[str, Any]) -> bool:
    return str(raw.get("type") or "scrum").lower() == "scrum"


def discover_site(client: JiraClient, config: ConnectorConfig) -> SiteFacts:
    """Time zone, fields, projects, boards (with their configuration) and statuses."""
    site_url = client.site_url()
    myself = client.myself()
    fields = client.fields()
    projects = tuple(map_project(raw, site_url) for raw in client.projects())
    id_by_key = {p.key or "": p.external_id for p in projects}
    raw_boards = list(client.boards())
    board_ids = [str(b["id"]) for b in raw_boards]
    configs = dict(
        zip(board_ids, read_each(client.board_configuration, board_ids, workers=config.max_concurrency), strict=True)
    )
    boards = tuple(map_board(raw, site_url, id_by_key) for raw in raw_boards)
    raw_statuses = client.statuses()
    category_by_id = {str(s["id"]): str((s.get("statusCategory") or {}).get("key") or "") for s in raw_statuses}
    category_by_name = {str(s["name"]).lower(): category_by_id[str(s["id"])] for s in raw_statuses}
    schema = JiraSchema(
        site_url=site_url,
        estimate_field=find_estimate_field(fields, configs.values()),
        sprint_field=find_custom_field(fields, (SPRINT_PLUGIN,)),
        flagged_field=find_flagged_field(fields),
        category_by_status_id=category_by_id,
        category_by_status_name=category_by_name,
        classify=config.classify_status,
    )
    statuses = _statuses(raw_statuses, raw_boards, configs, id_by_key, config)
    return SiteFacts(
        schema=schema,
        projects=projects,
        boards=boards,
        statuses=statuses,
        time_zone=_time_zone(myself.get("timeZone")),
        myself=myself,
        scrum_board_ids=tuple(str(b["id"]) for b in raw_boards if _scrum_board(b)),
    )


def _statuses(
    raw_statuses: list[dict[str, Any]],
    raw_boards: list[dict[str, Any]],
    configs: dict[str, dict[str, Any]],
    id_by_key: dict[str, str],
    config: ConnectorConfig,
) -> tuple[StatusIn, ...]:
    """Every global status, plus each project's columns (from its boards) with the project as container."""
    by_id = {str(s["id"]): s for s in raw_statuses}
    found: dict[tuple[str, str | None], StatusIn] = {}
    for raw in raw_statuses:
        status = map_status(raw, config.classify_status, None)
        found[(status.raw, None)] = status
    for board in raw_boards:
        ref = board_project_ref(board)
        project = id_by_key.get(ref or "", ref)
        columns = ((configs.get(str(board["id"])) or {}).get("columnConfig") or {}).get("columns") or []
        for column in columns:
            for entry in column.get("statuses") or []:
                known = by_id.get(str(entry.get("id")))
                if known is not None:
                    status = map_status(known, config.classify_status, project)
                    found[(status.raw, project)] = status
    return tuple(found.values())


def discover_people(client: JiraClient) -> tuple[PersonIn, ...]:
    """Every user with an account id (bots flagged)."""
    people: dict[str, PersonIn] = {}
    for raw in client.users():
        person = map_user(raw)
        if person is not None:
            people[person.external_id] = person
    return tuple(people.values())


def discover_sprints(client: JiraClient, facts: SiteFacts, *, workers: int = 1) -> tuple[SprintIn, ...]:
    """Every sprint of every scrum board (kanban boards have none), ``workers`` boards read at once."""
    board_ids = list(facts.scrum_board_ids)
    per_board = read_each(lambda board_id: list(client.sprints(board_id)), board_ids, workers=workers)
    sprints: dict[str, SprintIn] = {}
    for board_id, raws in zip(board_ids, per_board, strict=True):
        for raw in raws:
            sprint = map_sprint(raw, board_id)
            sprints.setdefault(sprint.external_id, sprint)
    return tuple(sprints.values())


def assemble_discovery(facts: SiteFacts, people: tuple[PersonIn, ...], sprints: tuple[SprintIn, ...]) -> Discovery:
    """The discovery record of a site."""
    containers = (*facts.projects, *facts.boards)
    assert all(c.kind in (ContainerKind.PROJECT, ContainerKind.BOARD) for c in containers)
    return Discovery(
        containers=containers,
        people=people,
        statuses=facts.statuses,
        sprints=sprints,
        estimate_field=facts.schema.estimate_field,
    )
