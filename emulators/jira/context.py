"""What every Jira route reads: the runtime, the site, the search engine, and a per-request View."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from emulators.ids import jira_issue_id
from emulators.jira.errors import bad_request, not_found
from emulators.jira.jql import JqlError, JqlQuery, parse_jql
from emulators.jira.render import View
from emulators.jira.search import Criteria, SearchEngine, criteria_from_jql, unbounded_error
from emulators.jira.site import JiraSite
from emulators.org.model import Event, Item, Vendor
from emulators.runtime import EmulatorRuntime

__all__ = ["JiraContext"]


@dataclass
class JiraContext:
    """Shared state of the Jira app."""

    runtime: EmulatorRuntime
    site: JiraSite
    engine: SearchEngine
    _parents: dict[int, Item | None] = field(default_factory=dict)
    _parents_at: int = -1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def view(self, request: Request, version: int = 3) -> View:
        """Renderer with `self` links on the URL the client used."""
        return View(self.site, str(request.base_url).rstrip("/"), version, self.parent)

    def site_view(self, version: int = 2) -> View:
        """Renderer with `self` links on the configured site URL (webhook payloads)."""
        return View(self.site, self.runtime.config.jira_site.rstrip("/"), version, self.parent)

    def parent(self, index: int) -> Item | None:
        """A parent issue (epics and stories are shared by many children: cached until the next write)."""
        store = self.runtime.store
        with self._lock:
            if self._parents_at != store.writes:
                self._parents.clear()
                self._parents_at = store.writes
            if index in self._parents:
                return self._parents[index]
        found = store.get(index)
        with self._lock:
            if len(self._parents) > 4096:
                self._parents.clear()
            self._parents[index] = found
        return found

    def load(self, indices: list[int]) -> list[tuple[Item, tuple[Event, ...] | None]]:
        """Issues with their history when it comes for free (generated once, not once per item and history)."""
        store = self.runtime.store
        written = set(store.changed_since(float("-inf")))
        base = store.org.item_count(Vendor.JIRA)
        loaded: list[tuple[Item, tuple[Event, ...] | None]] = []
        for index in indices:
            if index < base and index not in written:
                generated = store.org.generate(Vendor.JIRA, index)
                loaded.append((generated.item, generated.events))
            else:
                item = store.get(index)
                if item is not None:
                    loaded.append((item, None))
        return loaded

    def id_refs(self, request: Request, indices: list[int], *, with_key: bool, version: int) -> list[dict[str, Any]]:
        """`{"id"}` (or id, key, self) of result issues without generating them."""
        if not with_key:
            return [{"id": jira_issue_id(i)} for i in indices]
        store = self.runtime.store
        written = set(store.changed_since(float("-inf")))
        base = store.org.item_count(Vendor.JIRA)
        view = self.view(request, version)
        refs = []
        for index in indices:
            if index < base and index not in written:
                identity = store.org.identity(Vendor.JIRA, index)
                issue_id, key = identity.external_id, identity.key
            else:
                item = store.get(index)
                if item is None:
                    continue
                issue_id, key = item.external_id, item.key
            refs.append({"id": issue_id, "self": view.api(f"issue/{issue_id}"), "key": key})
        return refs

    def parse(self, jql: str | None, *, require_bound: bool = True) -> tuple[JqlQuery, Criteria]:
        """Parse and resolve JQL for the API user; Jira's 400 on errors or an unbounded query."""
        try:
            query = parse_jql(jql)
            if require_bound and not query.bounded:
                raise unbounded_error()
            criteria = criteria_from_jql(
                query,
                self.site,
                self.runtime.store,
                now=self.runtime.clock.timestamp(),
                time_zone=self.site.api_user.timezone,
            )
        except JqlError as error:
            raise bad_request(str(error)) from error
        return query, criteria

    def issue(self, id_or_key: str) -> Item:
        """A live issue by id or key; Jira's 404 otherwise."""
        store = self.runtime.store
        index = store.find(id_or_key) if id_or_key.isdigit() else store.find_key(id_or_key.upper())
        item = store.get(index) if index is not None else None
        if item is None:
            raise not_found("Issue does not exist or you do not have permission to see it.")
        return item
