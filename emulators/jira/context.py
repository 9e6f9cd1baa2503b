"""What every Jira route reads: the runtime, the site, the search engine, and a per-request View."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from emulators.jira.errors import bad_request, not_found
from emulators.jira.jql import JqlError, JqlQuery, parse_jql
from emulators.jira.render import View
from emulators.jira.search import Criteria, SearchEngine, criteria_from_jql, unbounded_error
from emulators.jira.site import JiraSite
from emulators.org.model import Item
from emulators.runtime import EmulatorRuntime

__all__ = ["JiraContext"]


@dataclass
class JiraContext:
    """Shared state of the Jira app."""

    runtime: EmulatorRuntime
    site: JiraSite
    engine: SearchEngine

    def view(self, request: Request, version: int = 3) -> View:
        """Renderer with `self` links on the URL the client used."""
        return View(self.site, str(request.base_url).rstrip("/"), version)

    def site_view(self, version: int = 2) -> View:
        """Renderer with `self` links on the configured site URL (webhook payloads)."""
        return View(self.site, self.runtime.config.jira_site.rstrip("/"), version)

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
