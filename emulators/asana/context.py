"""Everything the Asana routes share (built once per app), and the two ways they answer: a record or a page."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from emulators.asana.activity_events import ActivityEvent, EventRenderer
from emulators.asana.auth import TokenBook
from emulators.asana.catalog import Catalog
from emulators.asana.dependencies import DependencyGraph
from emulators.asana.errors import AsanaError
from emulators.asana.event_stream import EventStream
from emulators.asana.fields import FieldTree, compact, expand_default, parse_opt_fields, select
from emulators.asana.hierarchy import Hierarchy
from emulators.asana.paging import Fetch, Pager
from emulators.asana.queries import TaskQueries
from emulators.asana.settings import AsanaSettings
from emulators.asana.stories import StoryRenderer
from emulators.asana.tasks import TaskRenderer, task_compact
from emulators.org.model import Item
from emulators.runtime import EmulatorRuntime

__all__ = ["API_PREFIX", "AsanaContext"]

API_PREFIX = "/api/1.0"
_PAGING_PARAMS = frozenset({"limit", "offset", "opt_fields", "opt_pretty"})


@dataclass
class AsanaContext:
    """The runtime plus Asana's views of it."""

    runtime: EmulatorRuntime
    settings: AsanaSettings
    catalog: Catalog
    hierarchy: Hierarchy
    graph: DependencyGraph
    tasks: TaskRenderer
    stories: StoryRenderer
    events: EventRenderer
    stream: EventStream
    queries: TaskQueries
    pager: Pager
    tokens: TokenBook
    processing_seconds: float = 0.0
    publish: Callable[[list[ActivityEvent]], None] = lambda events: None

    @classmethod
    def build(cls, runtime: EmulatorRuntime, settings: AsanaSettings) -> AsanaContext:
        """Wire the views over one runtime."""
        key = hashlib.sha256(f"asana-emulator:{runtime.config.seed}".encode()).digest()
        catalog = Catalog(runtime.org)
        hierarchy = Hierarchy(runtime.store)
        graph = DependencyGraph()
        stories = StoryRenderer(runtime.store, catalog)
        return cls(
            runtime=runtime,
            settings=settings,
            catalog=catalog,
            hierarchy=hierarchy,
            graph=graph,
            tasks=TaskRenderer(runtime.store, catalog, hierarchy, graph),
            stories=stories,
            events=EventRenderer(catalog, stories),
            stream=EventStream(runtime.clock, key),
            queries=TaskQueries(runtime.store, catalog),
            pager=Pager(key, API_PREFIX),
            tokens=TokenBook(settings, runtime.clock),
            processing_seconds=float(runtime.config.options.get("processing_ms", "0")) / 1000.0,
        )

    # ----- request plumbing
    def authenticate(self, request: Request) -> str:
        """The caller's bearer token (401 otherwise)."""
        return self.tokens.authenticate(request)

    async def process(self) -> None:
        """Emulated server time spent on a request while it holds its concurrency slot (options.processing_ms)."""
        if self.processing_seconds > 0:
            await asyncio.sleep(self.processing_seconds)

    # ----- answers
    def one(self, request: Request, record: dict[str, Any]) -> dict[str, object]:
        """`{data: record}`: every field (nested compact), or the opt_fields."""
        tree = parse_opt_fields(request.query_params.get("opt_fields"))
        return {"data": select(record, tree) if tree else expand_default(record)}

    def page(
        self,
        request: Request,
        fetch: Fetch[Any],
        render: Callable[[Any, FieldTree | None], Any] | None = None,
    ) -> dict[str, object]:
        """`{data, next_page}` for one page of a collection (compact records, or the opt_fields)."""
        params = request.query_params
        filters = sorted((k, v) for k, v in params.multi_items() if k not in _PAGING_PARAMS)
        scope = request.url.path + "?" + "&".join(f"{k}={v}" for k, v in filters)
        page_request = self.pager.request(scope, params.get("limit"), params.get("offset"))
        page = self.pager.page(page_request, fetch)
        tree = parse_opt_fields(params.get("opt_fields"))
        renderer = render or _render_record
        return self.pager.envelope(
            page,
            page_request,
            lambda value: renderer(value, tree),
            str(request.base_url),
            request.url.path,
            dict(params),
        )

    def render_task(self, item: Item, tree: FieldTree | None) -> dict[str, Any]:
        """A task in a listing: compact without opt_fields (cheap), else the selected fields."""
        if tree is None:
            return task_compact(item)
        return dict(select(self.tasks.record(item, set(tree)), tree))

    # ----- lookups that 404 like Asana
    def task_index(self, gid: str) -> int:
        """The index of a live task."""
        index = self.runtime.store.find(gid)
        if index is None:
            raise AsanaError(404, f"task: Unknown object: {gid}")
        return index

    def task(self, gid: str) -> Item:
        """A live task."""
        item = self.runtime.store.get(self.task_index(gid))
        if item is None:
            raise AsanaError(404, f"task: Unknown object: {gid}")
        return item

    def project_team(self, gid: str, name: str = "project") -> int:
        """Team index of a project gid."""
        team = self.catalog.project_team(gid)
        if team is None:
            raise AsanaError(404, f"{name}: Unknown object: {gid}")
        return team

    def person(self, gid: str, name: str = "user") -> int:
        """Person id of a user gid (or `me`, or an email)."""
        person = self.catalog.person(gid)
        if person is None:
            raise AsanaError(404, f"{name}: Unknown object: {gid}")
        return person

    def require_workspace(self, gid: str | None, name: str = "workspace") -> None:
        """400 when missing, 404 when it is not the workspace."""
        if not gid:
            raise AsanaError(400, f"{name}: Missing input")
        if not self.catalog.is_workspace(gid):
            raise AsanaError(404, f"{name}: Unknown object: {gid}")


def _render_record(record: Any, tree: FieldTree | None) -> Any:
    return select(record, tree) if tree else compact(record)
