"""Paging through ``search/jql``: one normalised batch per page, each with the cursor it lets the store reach.

- Pages come oldest change first (``ORDER BY updated ASC, id ASC``); a batch's cursor is the latest ``updated``
  of its page (never below the cursor the pull started from), so a crash resumes where the store stopped.
- An incremental pull asks for ``updated >= cursor - overlap`` in the user's time zone; issues met twice in
  one pull (changed while paging) are yielded again only if newer, and the store's version guard does the rest.
- A ``nextPageToken`` Jira refuses (expired, invalid: HTTP 400) restarts the pull as a full crawl (P10).
- A page with an issue that fails mapping is fetched once more; an issue still failing is quarantined with its
  raw JSON and every other issue of the page is kept (P12).
- Changelogs Jira truncated (``total`` above what it embedded) are completed with ``changelog/bulkfetch``.
- A sub-task's epic is its parent's epic. When the parent has not been met yet, the sub-task is held back
  (at most ``HOLD_LIMIT``) until its parent shows up in a later page or one search reads the held parents; a
  batch's cursor never passes a held issue, so a crash re-reads it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from connectors.errors import BadRequest, InvalidPayload
from connectors.jira.client import SEARCH_PAGE_MAX, JiraClient
from connectors.jira.discovery import SiteFacts
from connectors.jira.mapping import (
    IssueMappingError,
    epic_parent_of,
    map_issue,
    parse_jira_time,
    parse_sprint_value,
    people_of_issue,
    search_jql,
    updated_since_clause,
)
from connectors.records import Batch, CursorUpdate, PersonIn, QuarantinedItem, SprintIn, WorkItemIn

__all__ = ["CURSOR_NAME", "IssuePuller", "complete_histories", "parse_cursor"]

log = logging.getLogger(__name__)

CURSOR_NAME = "jira.updated"
MAX_RECRAWLS = 2
MEMORY_ENTRIES = 100_000  # ids remembered for dedupe and epics: bounded, whatever the site's size
HOLD_LIMIT = SEARCH_PAGE_MAX  # sub-tasks waiting for their parent's epic; one search resolves them all


class _Lru(OrderedDict[str, Any]):
    """A bounded mapping: the oldest entries go first."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def remember(self, key: str, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.capacity:
            self.popitem(last=False)


def complete_histories(
    embedded: Sequence[Mapping[str, Any]], completed: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The union of an issue's embedded changelog and a completion read, by history id, oldest first."""
    by_id: dict[str, Mapping[str, Any]] = {str(h.get("id")): h for h in completed}
    by_id.update({str(h.get("id")): h for h in embedded})  # embedded histories carry every item
    return sorted(by_id.values(), key=lambda h: (str(h.get("created") or ""), _numeric(str(h.get("id")))))


def _numeric(value: str) -> int:
    return int(value) if value.isdigit() else -1


def _truncated(raw: Mapping[str, Any]) -> bool:
    changelog = raw.get("changelog") or {}
    histories = changelog.get("histories") or []
    total = changelog.get("total")
    return isinstance(total, int) and total > len(histories)


@dataclass
class _Page:
    items: list[WorkItemIn] = field(default_factory=list)
    quarantined: list[QuarantinedItem] = field(default_factory=list)
    people: dict[str, PersonIn] = field(default_factory=dict)
    sprints: dict[str, SprintIn] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)  # non-epic parents, whose epic is needed
    latest: datetime | None = None


class IssuePuller:
    """Pulls the issues of one site's projects (or of ``project_ids``), page by page; its batches carry the
    cursor of ``scope`` (``*``: the whole site, or the one project a stream pulls)."""

    def __init__(
        self,
        client: JiraClient,
        facts: SiteFacts,
        *,
        page_size: int = SEARCH_PAGE_MAX,
        overlap: timedelta = timedelta(minutes=2),
        known_sprints: set[str] | None = None,
        project_ids: Sequence[str] | None = None,
        scope: str = "*",
    ) -> None:
        self.client = client
        self.facts = facts
        self.project_ids = list(project_ids) if project_ids is not None else facts.project_ids
        self.scope = scope
        self.page_size = min(page_size, SEARCH_PAGE_MAX)
        self.overlap = overlap
        self.known_sprints = known_sprints if known_sprints is not None else set()
        self._epics = _Lru(MEMORY_ENTRIES)
        self._seen = _Lru(MEMORY_ENTRIES)
        self._held: dict[str, tuple[WorkItemIn, str]] = {}
        self._latest: datetime | None = None
        self.recrawls = 0
        self.quarantined = 0

    # ----- the crawl --------------------------------------------------------------------------------------

    def pull(self, cursor: str | None) -> Iterator[Batch]:
        """Batches of every issue changed since ``cursor`` (every issue when ``None``)."""
        start = parse_cursor(cursor)
        since = updated_since_clause(start, self.overlap, self.facts.time_zone) if start else None
        jql = search_jql(self.project_ids, since)
        token: str | None = None
        while True:
            try:
                page, batch = self._read_page(jql, token)
            except BadRequest as error:
                if token is None or self.recrawls >= MAX_RECRAWLS:
                    raise
                # The token expired or Jira no longer knows it: a skip would lose issues, so crawl again, all of it.
                self.recrawls += 1
                log.warning("Jira refused the page token (%s); restarting as a full crawl", error)
                jql, token = search_jql(self.project_ids), None
                continue
            if len(self._held) >= HOLD_LIMIT:
                self._resolve_held(batch)
            yield self._batch(batch, start)
            token = page.get("nextPageToken") or None
            if not token or page.get("isLast") is True:
                break
        if self._held:
            final = _Page()
            self._resolve_held(final)
            yield self._batch(final, start)

    def _batch(self, page: _Page, start: datetime | None) -> Batch:
        if page.latest is not None:
            self._latest = page.latest if self._latest is None else max(self._latest, page.latest)
        reached = self._latest
        if reached is not None and self._held:
            # Never past an issue still held back: the next pull must read it again if this one stops here.
            reached = min(reached, *(item.updated_at for item, _ in self._held.values()))
        cursor = None
        if reached is not None:
            reached = reached if start is None else max(reached, start)
            cursor = CursorUpdate(name=CURSOR_NAME, value=reached.isoformat(), scope=self.scope)
        return Batch(
            items=tuple(page.items),
            people=tuple(page.people.values()),
            sprints=tuple(page.sprints.values()),
            quarantined=tuple(page.quarantined),
            cursor=cursor,
        )

    def _fetch(self, jql: str, token: str | None) -> dict[str, Any]:
        page = self.client.search_page(
            jql,
            fields=self.facts.schema.fields_to_request(),
            expand="changelog",
            token=token,
            max_results=self.page_size,
        )
        if not isinstance(page.get("issues"), list):
            raise InvalidPayload("search/jql: the page has no issues list")
        return page

    def _read_page(self, jql: str, token: str | None) -> tuple[dict[str, Any], _Page]:
        page = self._fetch(jql, token)
        mapped = self.map_page(page["issues"])
        if mapped.quarantined:
            log.warning("%d issue(s) of a page failed mapping; reading the page again", len(mapped.quarantined))
            page = self._fetch(jql, token)
            mapped = self.map_page(page["issues"])
            self.quarantined += len(mapped.quarantined)
            for bad in mapped.quarantined:
                log.error("issue %s quarantined: %s", bad.external_id, bad.reason)
        self.accept(mapped)
        return page, mapped

    # ----- one page ---------------------------------------------------------------------------------------

    def map_page(self, issues: Sequence[Any]) -> _Page:
        """Map a page of issues; those that fail are returned as quarantined. Changes nothing the pull
        remembers (a page mapped again after a failure starts afresh): :meth:`accept` does that."""
        result = _Page()
        valid = [raw for raw in issues if isinstance(raw, dict) and raw.get("id")]
        histories = self._complete_changelogs(valid)
        self._learn_epics(valid)
        for position, raw in enumerate(issues):
            try:
                if not isinstance(raw, dict):
                    raise IssueMappingError(f"a page entry is not an object: {type(raw).__name__}")
                issue_histories = histories.get(str(raw.get("id")))
                item = map_issue(raw, self.facts.schema, histories=issue_histories, epic_of=self._epics)
            except IssueMappingError as error:
                external_id = (
                    str(raw.get("id") or raw.get("key") or f"page-position-{position}")
                    if isinstance(raw, dict)
                    else f"page-position-{position}"
                )
                result.quarantined.append(
                    QuarantinedItem(external_id=external_id, reason=str(error)[:1000], raw=_as_object(raw))
                )
                continue
            result.latest = item.updated_at if result.latest is None else max(result.latest, item.updated_at)
            for person in people_of_issue(raw, issue_histories or (raw.get("changelog") or {}).get("histories") or []):
                result.people.setdefault(person.external_id, person)
            self._collect_sprints(raw, result)
            parent_id, parent_is_epic = epic_parent_of(raw)
            result.parents[item.external_id] = None if parent_is_epic else parent_id
            result.items.append(item)
        return result

    def accept(self, page: _Page) -> None:
        """Commit a mapped page to the pull's memory: drop repeats, hold sub-tasks, release those now known."""
        kept: list[WorkItemIn] = []
        for item in page.items:
            if self._already_yielded(item):
                continue
            parent_id = page.parents.get(item.external_id)
            if parent_id and parent_id not in self._epics:
                self._held[item.external_id] = (item, parent_id)
                continue
            self._held.pop(item.external_id, None)
            self._learn_epic_of(item)
            kept.append(item)
        page.items = kept
        self.known_sprints |= set(page.sprints)
        self._release_known(page)

    def _learn_epic_of(self, item: WorkItemIn) -> None:
        if item.external_id not in self._epics:
            self._epics.remember(item.external_id, item.epic_external_id)

    def _release_known(self, page: _Page) -> None:
        """Held sub-tasks whose parent's epic became known join this page."""
        for external_id, (item, parent_id) in list(self._held.items()):
            if parent_id in self._epics:
                del self._held[external_id]
                page.items.append(replace(item, epic_external_id=self._epics[parent_id]))

    def _resolve_held(self, page: _Page) -> None:
        """Read the parents of every held sub-task in one search, then release them into ``page``."""
        self._resolve_parent_epics(sorted({parent_id for _, parent_id in self._held.values()}, key=_numeric))
        self._release_known(page)

    def _already_yielded(self, item: WorkItemIn) -> bool:
        version = (item.updated_at, item.version)
        seen = self._seen.get(item.external_id)
        if seen is not None and seen >= version:
            return True
        self._seen.remember(item.external_id, version)
        return False

    def _collect_sprints(self, raw: Mapping[str, Any], page: _Page) -> None:
        sprint_field = self.facts.schema.sprint_field
        if not sprint_field:
            return
        for value in (raw.get("fields") or {}).get(sprint_field) or []:
            ref = parse_sprint_value(value)
            if ref is not None and ref.external_id not in self.known_sprints and ref.state is not None:
                page.sprints[ref.external_id] = ref.as_record()

    def _complete_changelogs(self, issues: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
        truncated = [raw for raw in issues if _truncated(raw)]
        if not truncated:
            return {}
        tracked = self.tracked_field_ids()
        completed = self.client.bulk_changelogs([str(raw["id"]) for raw in truncated], tracked)
        return {
            str(raw["id"]): complete_histories(
                (raw.get("changelog") or {}).get("histories") or [], completed.get(str(raw["id"]), [])
            )
            for raw in truncated
        }

    def tracked_field_ids(self) -> list[str]:
        """The changelog fields Baton keeps (the bulk changelog read asks for these only)."""
        schema = self.facts.schema
        fields = ["status", "assignee", "resolution"]
        return fields + [f for f in (schema.sprint_field, schema.estimate_field, schema.flagged_field) if f]

    # ----- epics --------------------------------------------------------------------------------------------

    def _learn_epics(self, issues: Sequence[Mapping[str, Any]]) -> None:
        """Remember each issue's epic when it is direct (parent is an epic) or absent."""
        for raw in issues:
            parent_id, parent_is_epic = epic_parent_of(raw)
            if parent_id is None or parent_is_epic:
                self._epics.remember(str(raw["id"]), parent_id)

    def _resolve_parent_epics(self, parent_ids: Sequence[str]) -> None:
        """Read, 100 per search, parents whose epic is not known yet (the parents of sub-tasks)."""
        missing = [parent_id for parent_id in parent_ids if parent_id not in self._epics]
        for start in range(0, len(missing), SEARCH_PAGE_MAX):
            chunk = missing[start : start + SEARCH_PAGE_MAX]
            page = self.client.search_page(
                f"id in ({', '.join(chunk)}) ORDER BY id ASC", fields=["parent"], max_results=SEARCH_PAGE_MAX
            )
            for parent in page.get("issues") or []:
                if isinstance(parent, dict) and parent.get("id"):
                    grand, grand_is_epic = epic_parent_of(parent)
                    self._epics.remember(str(parent["id"]), grand if grand_is_epic else None)
            for parent_id in chunk:  # gone or invisible parents: no epic, and no second look
                if parent_id not in self._epics:
                    self._epics.remember(parent_id, None)


def _as_object(raw: object) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {"value": repr(raw)[:10_000]}


def parse_cursor(value: str | None) -> datetime | None:
    """A stored ``jira.updated`` cursor (ISO 8601, or a Jira timestamp written by an older version)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return parse_jira_time(value)
