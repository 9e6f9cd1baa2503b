"""The Asana connector: discovery, full crawls with story history, Events API increments, census, fetch.

- **Full crawl** of a project: first a sync token (the Events API's 412 hands one out), then the project's
  tasks 100 a page, each task's stories read concurrently (``AsanaLimits.workers`` in flight, under the
  50-read and per-minute gates). The project's last batch stores the token as cursor ``asana.sync`` scoped
  to the project, so changes made during the crawl come with the next increment.
- **Increment** of a project: events since its token, 100 at a time while ``has_more``; then every touched
  task is re-read with its stories, from the project's pages modified since the oldest event's
  ``created_at`` (100 a page), a task they lack by its gid (a 404 or a final ``deleted`` event tombstones it,
  ``undeleted`` revives it by the re-read); their stories 10 tasks a ``POST /batch`` (Asana counts each
  action against its limits: fewer HTTP requests, the same quota); one batch carries the last page's token.
  A 412 (token expired after 24 h, or never stored) re-crawls the project with the fresh token (P10). Where
  the Events API refuses the project (400/402/403), ``modified_since`` pages from cursor ``asana.since``
  stand in.
- **Census**: gated by the project's ``num_tasks`` (``task_counts``, one request; see sync/engine.py), else
  the project's task gids 100 a page.
- **Subtasks**: what a project lists is pulled, subtasks included when they are in the project (the
  emulator lists every subtask; real Asana lists only subtasks added to the project). Subtasks that live
  only under their parent are not pulled: reaching them would cost one call per parent.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.asana.client import MAX_BATCH_ACTIONS, AsanaClient, AsanaLimits, BulkPath, SyncTokenExpired
from connectors.asana.events import effects_of_events
from connectors.asana.history import STORY_FIELDS, fold_stories
from connectors.asana.mapping import (
    TASK_FIELDS,
    choose_estimate_field,
    map_person,
    map_project,
    map_section,
    map_task,
    section_status,
)
from connectors.asana.timefmt import format_time
from connectors.asana.vocabulary import vendor_category
from connectors.asana.webhooks import parse_asana_webhook, verify_asana_signature
from connectors.base import PullCursor
from connectors.config import ConnectorConfig
from connectors.errors import AuthError, BadRequest, NotFound
from connectors.records import (
    Batch,
    ContainerIn,
    CursorUpdate,
    Discovery,
    PersonIn,
    StatusIn,
    WebhookDelivery,
    WorkItemIn,
)
from core.timeutil import Clock, utc_now
from models.enums import ContainerKind, StatusCategory

__all__ = ["SINCE_CURSOR", "SYNC_CURSOR", "AsanaConnector"]

log = logging.getLogger(__name__)

SYNC_CURSOR = "asana.sync"
SINCE_CURSOR = "asana.since"


@dataclass
class _Project:
    gid: str
    estimate_field: str | None


@dataclass
class _Known:
    projects: list[_Project] = field(default_factory=list)


class AsanaConnector:
    """One Asana token (all its workspaces). Owns paging and mapping; never touches the database."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        client: AsanaClient | None = None,
        limits: AsanaLimits | None = None,
        bulk: BulkPath = BulkPath.HTTPX,
        clock: Clock = utc_now,
    ) -> None:
        self.config = config
        self.client = client or AsanaClient(config, limits=limits, bulk=bulk)
        self.clock = clock
        self._known: _Known | None = None
        self._pool = ThreadPoolExecutor(max_workers=self.client.limits.workers, thread_name_prefix="asana-read")

    # -- Connector ---------------------------------------------------------------------------------

    def check(self) -> str:
        """The signed-in user's e-mail (or name)."""
        me = self.client.me()
        return str(me.get("email") or me.get("name") or me.get("gid"))

    def discover(self) -> Discovery:
        """Projects and their sections, users with e-mails, section statuses, the estimate field per project."""
        containers: list[ContainerIn] = []
        statuses: list[StatusIn] = []
        people: dict[str, PersonIn] = {}
        known = _Known()
        for workspace in self.client.workspaces():
            for project in self.client.projects(str(workspace["gid"])):
                container = map_project(project)
                containers.append(container)
                for section in self.client.sections(container.external_id):
                    containers.append(map_section(section, container.external_id))
                    name = str(section.get("name") or "")
                    statuses.append(section_status(name, container.external_id, self.config.classify_status))
                estimate = choose_estimate_field(self.client.custom_field_settings(container.external_id))
                known.projects.append(_Project(container.external_id, estimate))
            for user in self.client.users(str(workspace["gid"])):
                person = map_person(user, self.config.bot_account_ids)
                people.setdefault(person.external_id, person)
        self._known = known
        fields = Counter(p.estimate_field for p in known.projects if p.estimate_field)
        return Discovery(
            containers=tuple(containers),
            people=tuple(people.values()),
            statuses=tuple(statuses),
            estimate_field=fields.most_common(1)[0][0] if fields else None,
        )

    def pull(self, cursors: PullCursor, *, full: bool = False) -> Iterator[Batch]:
        """Every project: a crawl when ``full`` or without a token, else its events since the token."""
        for project in self._projects():
            started = self.clock()
            token = None if full else cursors.get((project.gid, SYNC_CURSOR))
            if token is None:
                yield from self._crawl(project)
            else:
                yield from self._follow_events(project, token, cursors.get((project.gid, SINCE_CURSOR)))
            since = format_time(started - self.config.overlap)
            yield Batch(cursor=CursorUpdate(SINCE_CURSOR, since, scope=project.gid), pages=0)

    def fetch(self, external_id: str) -> WorkItemIn | None:
        """One task now, with its history; ``None`` when Asana no longer has it."""
        items, _gone = self._read_tasks([external_id], project=None)
        return items[0] if items else None

    def census_count(self, container: ContainerIn) -> int | None:
        """A project's ``num_tasks`` (one request, ``/projects/{gid}/task_counts``); ``None`` for a section."""
        if container.kind != ContainerKind.PROJECT:
            return None
        return self.client.task_count(container.external_id)

    def census(self, container: ContainerIn) -> set[str]:
        """Task gids of a project (or of a section), ids only."""
        path = "section" if container.kind == ContainerKind.SECTION else "project"
        gids: set[str] = set()
        offset: str | None = None
        while True:
            page = self.client.gid_page(path, container.external_id, offset)
            gids.update(str(row["gid"]) for row in page.data if row.get("gid"))
            if page.next_offset is None:
                return gids
            offset = page.next_offset

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> bool:
        """``X-Hook-Signature`` over the raw body (Asana signs no timestamp)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        return verify_asana_signature(lowered.get("x-hook-signature"), body, secret)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> tuple[WebhookDelivery, ...]:
        """One delivery per event."""
        return parse_asana_webhook(headers, body)

    def estimate_total(self) -> int | None:
        """Asana cannot count a project's tasks cheaply."""
        return None

    @property
    def requests_made(self) -> int:
        """Requests sent by this connector's client."""
        return self.client.requests_made

    # -- pulling -----------------------------------------------------------------------------------

    def _projects(self) -> list[_Project]:
        if self._known is None:
            self.discover()
        assert self._known is not None
        return self._known.projects

    def _fresh_token(self, project: str) -> str | None:
        """A sync token pointing at now: Asana answers a token-less events call with 412 and a new token."""
        try:
            return self.client.events(project, None).sync
        except SyncTokenExpired as expired:
            return expired.fresh

    def _crawl(self, project: _Project, token: str | None = None) -> Iterator[Batch]:
        token = token or self._fresh_token(project.gid)
        offset: str | None = None
        while True:
            page = self.client.task_page(project.gid, TASK_FIELDS, offset)
            items = self._with_histories(page.data, project)
            last = page.next_offset is None
            cursor = CursorUpdate(SYNC_CURSOR, token, scope=project.gid) if last and token else None
            yield Batch(items=tuple(items), cursor=cursor)
            if last:
                return
            offset = page.next_offset

    def _follow_events(self, project: _Project, token: str, since: str | None) -> Iterator[Batch]:
        events: list[Mapping[str, Any]] = []
        while True:
            try:
                page = self.client.events(project.gid, token)
            except SyncTokenExpired as expired:
                log.warning("asana project %s: sync token expired; re-crawling the project", project.gid)
                yield from self._crawl(project, expired.fresh)
                return
            except (BadRequest, AuthError) as refused:
                if isinstance(refused, AuthError) and refused.status != 403:
                    raise
                log.warning("asana project %s: events refused (%s); reading by modified_since", project.gid, refused)
                yield from self._modified_since(project, since)
                return
            events += page.events
            token = page.sync
            if not page.has_more:
                break
        # Every events page is read first, then the touched tasks at once (their last event decides).
        effects = effects_of_events(events)
        items, gone = self._read_changed(list(effects.reread), project, _earliest(events))
        yield Batch(
            items=tuple(items),
            deleted_external_ids=effects.deleted + tuple(gone),
            cursor=CursorUpdate(SYNC_CURSOR, token, scope=project.gid),
        )

    def _read_changed(
        self, gids: Sequence[str], project: _Project, since: str | None
    ) -> tuple[list[WorkItemIn], list[str]]:
        """Touched tasks with their stories: from the project's pages modified since the oldest event (Asana's
        own clock, 100 a page) when there are several; each one the pages lack (moved out of the project, or
        its modified_at not moved) read by gid."""
        if since is None or len(gids) < 2:
            return self._read_tasks(gids, project)
        wanted = set(gids)
        found: dict[str, dict[str, Any]] = {}
        offset: str | None = None
        while True:
            page = self.client.task_page(project.gid, TASK_FIELDS, offset, modified_since=since)
            found |= {str(task["gid"]): task for task in page.data if str(task.get("gid")) in wanted}
            if page.next_offset is None:
                break
            offset = page.next_offset
        listed = [found[gid] for gid in gids if gid in found]
        items, vanished = self._with_batched_histories(listed, project)
        rest, gone = self._read_tasks([gid for gid in gids if gid not in found], project)
        return items + rest, vanished + gone

    def _modified_since(self, project: _Project, since: str | None) -> Iterator[Batch]:
        if since is None:
            yield from self._crawl(project, token=None)
            return
        offset: str | None = None
        while True:
            page = self.client.task_page(project.gid, TASK_FIELDS, offset, modified_since=since)
            yield Batch(items=tuple(self._with_histories(page.data, project)))
            if page.next_offset is None:
                return
            offset = page.next_offset

    def _read_tasks(self, gids: Sequence[str], project: _Project | None) -> tuple[list[WorkItemIn], list[str]]:
        """Re-read tasks with their stories, concurrently; gids Asana answers 404 for are returned as gone."""

        def read(gid: str) -> tuple[str, dict[str, Any] | None]:
            try:
                return gid, self.client.task(gid, TASK_FIELDS)
            except NotFound:
                return gid, None

        found = list(self._pool.map(read, gids))
        tasks = [task for _, task in found if task is not None]
        gone = [gid for gid, task in found if task is None]
        if project is not None:
            batched, vanished = self._with_batched_histories(tasks, project)
            return batched, gone + vanished
        items: list[WorkItemIn] = []
        for task in tasks:
            items += self._with_histories([task], self._project_of(task))
        return items, gone

    def _project_of(self, task: Mapping[str, Any]) -> _Project:
        known = {p.gid: p for p in self._projects()}
        for membership in task.get("memberships") or ():
            gid = str(((membership or {}).get("project") or {}).get("gid"))
            if gid in known:
                return known[gid]
        return _Project("", next((p.estimate_field for p in known.values() if p.estimate_field), None))

    def _with_histories(self, tasks: Sequence[Mapping[str, Any]], project: _Project) -> list[WorkItemIn]:
        """Map tasks with their stories (read ``workers`` at a time, in order)."""
        stories = list(self._pool.map(lambda t: self.client.stories(str(t["gid"]), STORY_FIELDS), tasks))
        return [self._map(task, task_stories, project) for task, task_stories in zip(tasks, stories, strict=True)]

    def _with_batched_histories(
        self, tasks: Sequence[Mapping[str, Any]], project: _Project
    ) -> tuple[list[WorkItemIn], list[str]]:
        """Map tasks with their stories read 10 tasks a ``POST /batch`` (batches ``workers`` at a time); the
        gids of tasks whose stories answered 404 (deleted meanwhile) come back as gone."""
        gids = [str(task["gid"]) for task in tasks]
        chunks = [gids[i : i + MAX_BATCH_ACTIONS] for i in range(0, len(gids), MAX_BATCH_ACTIONS)]
        stories: dict[str, list[dict[str, Any]] | None] = {}
        for found in self._pool.map(lambda chunk: self.client.stories_of_many(chunk, STORY_FIELDS), chunks):
            stories |= found
        items: list[WorkItemIn] = []
        gone: list[str] = []
        for task, gid in zip(tasks, gids, strict=True):
            task_stories = stories.get(gid)
            if task_stories is None:
                gone.append(gid)
            else:
                items.append(self._map(task, task_stories, project))
        return items, gone

    def _map(self, task: Mapping[str, Any], stories: list[dict[str, Any]], project: _Project) -> WorkItemIn:
        classify = self.config.classify_status
        container = project.gid or None

        def categorise(section: str, completed: bool) -> StatusCategory:
            return classify(section, vendor_category(section, completed), container)

        current = _current_section(task, container)
        history = fold_stories(
            stories,
            current_section=current,
            estimate_field=project.estimate_field,
            categorise=categorise,
            bots=self.config.bot_account_ids,
        )
        return map_task(
            task,
            project_gid=container,
            estimate_field=project.estimate_field,
            history=history,
            classify=classify,
            bots=self.config.bot_account_ids,
        )

    def close(self) -> None:
        """Stop the read pool and release connections."""
        self._pool.shutdown(wait=False)
        self.client.close()


def _earliest(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The oldest ``created_at`` of the events (ISO 8601 UTC strings sort as times); ``None`` if any lacks one."""
    moments = [event.get("created_at") for event in events]
    if not moments or not all(isinstance(moment, str) and moment for moment in moments):
        return None
    return min(str(moment) for moment in moments)


def _current_section(task: Mapping[str, Any], project: str | None) -> str | None:
    for membership in task.get("memberships") or ():
        if not isinstance(membership, Mapping):
            continue
        if project is None or str((membership.get("project") or {}).get("gid")) == project:
            section = membership.get("section")
            return str(section.get("name")) if isinstance(section, Mapping) and section.get("name") else None
    return None
