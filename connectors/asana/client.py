"""The only place that talks to Asana: the ``asana`` SDK (client of record) and, for the bulk reads, httpx.

Every request, SDK or httpx, runs once per attempt under :class:`connectors.http.ResilientCaller` (the one
retry layer: the SDK's urllib3 retries are switched off), behind a rate gate (1,500 requests a minute on
paid domains, 150 on free ones) and a concurrency gate (50 reads, 15 writes), with one circuit breaker.
SDK exceptions become :mod:`connectors.errors`; a 412 on the Events API becomes :class:`SyncTokenExpired`
carrying the fresh token Asana put in the body.

The paged bulk reads (task pages, stories, id census, single tasks) go through httpx by default, or through
the SDK's own ``ApiClient.call_api`` with ``bulk=BulkPath.SDK``; ``bench/sync_asana.py`` measures both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import asana  # the SDK is imported here and nowhere else
import httpx
import urllib3
from asana.rest import ApiException

from connectors.config import ConnectorConfig
from connectors.errors import ConnectorError, InvalidPayload, UpstreamError
from connectors.http import (
    CircuitBreaker,
    ConcurrencyGate,
    RateGate,
    ResilientCaller,
    VendorHttp,
    error_for_status,
    guard_urllib3_pool,
)

__all__ = [
    "API_PATH",
    "AsanaClient",
    "AsanaLimits",
    "BulkPath",
    "EventsPage",
    "Page",
    "SyncTokenExpired",
    "api_base_url",
]

API_PATH = "/api/1.0"
PAGE_LIMIT = 100
MAX_BATCH_ACTIONS = 10  # Asana's cap on the actions of one POST /batch
T = TypeVar("T")


class BulkPath(StrEnum):
    """Which client serves the paged bulk reads."""

    HTTPX = "httpx"
    SDK = "sdk"


FREE_PLAN_PER_MINUTE = 150
PAID_PLAN_PER_MINUTE = 1_500
PLAN_REQUESTS_PER_MINUTE = {"free": FREE_PLAN_PER_MINUTE, "paid": PAID_PLAN_PER_MINUTE}
"""Asana's rate limit per token by plan (the policy's ``plan`` of an Asana connection)."""


@dataclass(frozen=True)
class AsanaLimits:
    """Asana's published limits per token, and how many reads Baton keeps in flight."""

    requests_per_minute: int = PAID_PLAN_PER_MINUTE
    concurrent_reads: int = 50
    concurrent_writes: int = 15
    workers: int = 16

    def __post_init__(self) -> None:
        if not 1 <= self.workers <= self.concurrent_reads:
            raise ValueError("workers must be between 1 and the concurrent-read limit")


class SyncTokenExpired(ConnectorError):
    """412 on the Events API: the token is missing, invalid or too old; ``fresh`` is the new one."""

    def __init__(self, message: str, *, fresh: str | None) -> None:
        super().__init__(message, status=412)
        self.fresh = fresh


@dataclass(frozen=True)
class Page:
    """One page of a collection and the offset of the next one (``None`` on the last)."""

    data: list[dict[str, Any]]
    next_offset: str | None


@dataclass(frozen=True)
class EventsPage:
    """A successful Events API answer."""

    events: list[dict[str, Any]]
    sync: str
    has_more: bool


def api_base_url(base_url: str) -> str:
    """``https://app.asana.com`` or ``…/api/1.0`` -> the API root ``…/api/1.0``."""
    root = base_url.rstrip("/")
    return root if root.endswith(API_PATH) else root + API_PATH


def _envelope(payload: Any, what: str) -> dict[str, Any]:
    """``{"data": …}`` or :class:`InvalidPayload` (truncated or foreign bodies never pass as data)."""
    if not isinstance(payload, dict) or "data" not in payload:
        raise InvalidPayload(f"{what}: the body is not Asana's {{data: …}} envelope")
    return payload


def _page(payload: Any, what: str) -> Page:
    body = _envelope(payload, what)
    data = body["data"]
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise InvalidPayload(f"{what}: data is not a list of objects")
    next_page = body.get("next_page")
    offset = next_page.get("offset") if isinstance(next_page, dict) else None
    return Page(data, str(offset) if offset else None)


def _batch_results(payload: Any, expected: int) -> list[Any]:
    """The bodies of a ``POST /batch`` answer's results, ``None`` for a 404; any other failing action raises
    its :mod:`connectors.errors` error."""
    results = _envelope(payload, "POST /batch")["data"]
    if not isinstance(results, list) or len(results) != expected or not all(isinstance(r, dict) for r in results):
        raise InvalidPayload(f"POST /batch: expected {expected} results")
    bodies: list[Any] = []
    for result in results:
        status = result.get("status_code")
        if not isinstance(status, int):
            raise InvalidPayload("POST /batch: a result without a status_code")
        if status == 404:
            bodies.append(None)
            continue
        headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        failure = error_for_status(status, headers, str(result.get("body"))[:200])
        if failure is not None:
            raise failure
        bodies.append(result.get("body"))
    return bodies


def _record(payload: Any, what: str) -> dict[str, Any]:
    data = _envelope(payload, what)["data"]
    if not isinstance(data, dict):
        raise InvalidPayload(f"{what}: data is not an object")
    return data


def _sync_of(body: Any) -> str | None:
    try:
        parsed = json.loads(body) if isinstance(body, bytes | str) else None
    except ValueError:
        return None
    sync = parsed.get("sync") if isinstance(parsed, dict) else None
    return str(sync) if sync else None


def _translate(error: ApiException, what: str) -> ConnectorError:
    """An SDK exception as a connector error (status 0 means the SDK never got an answer)."""
    status = int(error.status or 0)
    if status == 0:
        return UpstreamError(f"{what}: {error.reason}")
    if status == 412:
        return SyncTokenExpired(f"{what}: sync token invalid or too old", fresh=_sync_of(error.body))
    headers = {str(k).lower(): str(v) for k, v in (error.headers or {}).items()}
    body = error.body.decode("utf-8", "replace") if isinstance(error.body, bytes) else str(error.body or "")
    failure = error_for_status(status, headers, body[:200])
    return failure or UpstreamError(f"{what}: HTTP {status}", status=status)


class AsanaClient:
    """One Asana token's calls, all counted in :attr:`requests_made`."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        limits: AsanaLimits | None = None,
        bulk: BulkPath = BulkPath.HTTPX,
    ) -> None:
        self.config = config
        self.limits = limits or AsanaLimits(requests_per_minute=config.requests_per_minute or PAID_PLAN_PER_MINUTE)
        self.bulk = bulk
        self.base_url = api_base_url(config.base_url)
        token = config.credentials.get("token") or config.credentials.get("access_token") or ""
        time_source = config.time_source
        breaker = CircuitBreaker(time_source=time_source)
        rate = RateGate(limit=self.limits.requests_per_minute, window_seconds=60.0, time_source=time_source)
        self.reads = ResilientCaller(
            breaker=breaker,
            rate_gate=rate,
            concurrency=ConcurrencyGate(self.limits.concurrent_reads),
            time_source=time_source,
        )
        self.writes = ResilientCaller(
            breaker=breaker,
            rate_gate=rate,
            concurrency=ConcurrencyGate(self.limits.concurrent_writes),
            time_source=time_source,
        )
        self._sdk = self._build_sdk(token)
        guard_urllib3_pool(self._sdk.rest_client.pool_manager, config.net_policy)  # A9: checked, no redirects
        self._http = VendorHttp(
            httpx.Client(
                base_url=self.base_url,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=config.timeout_seconds,
                transport=config.transport,
                limits=httpx.Limits(max_connections=self.limits.workers + 4),
            ),
            self.reads,
        )

    def _build_sdk(self, token: str) -> asana.ApiClient:
        settings = asana.Configuration()
        settings.host = self.base_url
        settings.access_token = token
        # Our policy is the one retry layer: urllib3 must neither retry nor raise on statuses.
        settings.retry_strategy = urllib3.Retry(total=0, status_forcelist=(), raise_on_status=False)
        settings.connection_pool_maxsize = self.limits.workers + 4
        settings.return_page_iterator = False
        return asana.ApiClient(settings)

    @property
    def requests_made(self) -> int:
        """HTTP requests sent (attempts, retries included), reads and writes."""
        return self.reads.stats.requests + self.writes.stats.requests

    def status_counts(self) -> dict[int, int]:
        """Responses by HTTP status, both paths."""
        counts: dict[int, int] = {}
        for stats in (self.reads.stats, self.writes.stats):
            for status, count in stats.by_status.items():
                counts[status] = counts.get(status, 0) + count
        return counts

    def close(self) -> None:
        """Release pooled connections."""
        self._http.client.close()
        self._sdk.rest_client.pool_manager.clear()

    # -- plumbing ----------------------------------------------------------------------------------

    def _count(self, caller: ResilientCaller, status: int) -> None:
        with caller._lock:
            caller.stats.by_status[status] = caller.stats.by_status.get(status, 0) + 1

    def _call_sdk(self, what: str, operation: Callable[[], T], *, write: bool = False) -> T:
        """One SDK call per attempt under the policy; SDK and urllib3 failures translated."""
        caller = self.writes if write else self.reads

        def attempt() -> T:
            try:
                result = operation()
            except ApiException as error:
                if error.status:
                    self._count(caller, int(error.status))
                raise _translate(error, what) from error
            except urllib3.exceptions.HTTPError as error:
                raise UpstreamError(f"{what}: {type(error).__name__}") from error
            self._count(caller, 200)
            return result

        return caller.call(attempt, what=what)

    def _sdk_get(self, path: str, params: Mapping[str, Any]) -> Any:
        """A GET through the SDK's own transport and decoder (the bulk path's SDK variant)."""
        return self._sdk.call_api(
            path,
            "GET",
            query_params=dict(params),
            header_params={"Accept": "application/json"},
            response_type=object,
            auth_settings=["personalAccessToken"],
            _return_http_data_only=True,
            _request_timeout=self.config.timeout_seconds,
        )

    def _bulk_get(self, path: str, params: Mapping[str, Any], what: str, shape: Callable[[Any, str], T]) -> T:
        if self.bulk is BulkPath.SDK:
            return self._call_sdk(what, lambda: shape(self._sdk_get(path, params), what))
        return shape(self._http.get_json(path, dict(params)), what)

    def _sdk_pages(
        self, what: str, fetch: Callable[[dict[str, Any]], Any], opts: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """Every record of an SDK list call, page by page (a fresh ``opts`` per call: the SDK mutates it)."""
        offset: str | None = None
        while True:
            page_opts = {**opts, "limit": PAGE_LIMIT, **({"offset": offset} if offset else {})}

            def read(chosen: dict[str, Any] = page_opts) -> Page:
                return _page(fetch(dict(chosen)), what)

            page = self._call_sdk(what, read)
            yield from page.data
            if page.next_offset is None:
                return
            offset = page.next_offset

    def _timeout(self) -> dict[str, Any]:
        return {"full_payload": True, "_request_timeout": self.config.timeout_seconds}

    # -- discovery (SDK) ---------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """The signed-in user (``users/me``)."""
        api = asana.UsersApi(self._sdk)
        return self._call_sdk(
            "GET /users/me",
            lambda: _record(api.get_user("me", {"opt_fields": "name,email"}, **self._timeout()), "users/me"),
        )

    def workspaces(self) -> Iterator[dict[str, Any]]:
        """Every workspace the token sees."""
        api = asana.WorkspacesApi(self._sdk)
        return self._sdk_pages(
            "GET /workspaces", lambda o: api.get_workspaces(o, **self._timeout()), {"opt_fields": "name"}
        )

    def projects(self, workspace: str) -> Iterator[dict[str, Any]]:
        """A workspace's live projects."""
        api = asana.ProjectsApi(self._sdk)
        opts = {"workspace": workspace, "archived": False, "opt_fields": "name,permalink_url,archived"}
        return self._sdk_pages("GET /projects", lambda o: api.get_projects(o, **self._timeout()), opts)

    def sections(self, project: str) -> Iterator[dict[str, Any]]:
        """A project's sections in board order."""
        api = asana.SectionsApi(self._sdk)
        return self._sdk_pages(
            "GET /projects/{gid}/sections",
            lambda o: api.get_sections_for_project(project, o, **self._timeout()),
            {"opt_fields": "name"},
        )

    def custom_field_settings(self, project: str) -> Iterator[dict[str, Any]]:
        """A project's custom fields (name, type, gid)."""
        api = asana.CustomFieldSettingsApi(self._sdk)
        opts = {"opt_fields": "custom_field.gid,custom_field.name,custom_field.resource_subtype"}
        return self._sdk_pages(
            "GET /projects/{gid}/custom_field_settings",
            lambda o: api.get_custom_field_settings_for_project(project, o, **self._timeout()),
            opts,
        )

    def users(self, workspace: str) -> Iterator[dict[str, Any]]:
        """A workspace's users with their e-mails."""
        api = asana.UsersApi(self._sdk)
        opts = {"workspace": workspace, "opt_fields": "email,name"}
        return self._sdk_pages("GET /users", lambda o: api.get_users(o, **self._timeout()), opts)

    # -- events (SDK) ------------------------------------------------------------------------------

    def events(self, resource: str, sync: str | None) -> EventsPage:
        """One Events API call; :class:`SyncTokenExpired` (with the fresh token) on 412."""
        api = asana.EventsApi(self._sdk)
        opts: dict[str, Any] = {"sync": sync} if sync else {}

        def read() -> EventsPage:
            body = _envelope(api.get_events(resource, dict(opts), **self._timeout()), "GET /events")
            events, token = body.get("data"), body.get("sync")
            if not isinstance(events, list) or not isinstance(token, str) or not token:
                raise InvalidPayload("GET /events: no data list or no sync token")
            return EventsPage([e for e in events if isinstance(e, dict)], token, bool(body.get("has_more")))

        return self._call_sdk("GET /events", read)

    # -- bulk reads (httpx, or the SDK's transport) ------------------------------------------------

    def task_page(
        self, project: str, fields: Sequence[str], offset: str | None, modified_since: str | None = None
    ) -> Page:
        """One page (up to 100) of a project's tasks with ``fields``."""
        params: dict[str, Any] = {"project": project, "limit": PAGE_LIMIT, "opt_fields": ",".join(fields)}
        if offset:
            params["offset"] = offset
        if modified_since:
            params["modified_since"] = modified_since
        return self._bulk_get("/tasks", params, "GET /tasks", _page)

    def gid_page(self, container_path: str, container: str, offset: str | None) -> Page:
        """One page of task gids: ``container_path`` is ``project`` or ``section``."""
        if container_path == "section":
            path, params = f"/sections/{container}/tasks", {"limit": PAGE_LIMIT, "opt_fields": "gid"}
        else:
            path, params = "/tasks", {"project": container, "limit": PAGE_LIMIT, "opt_fields": "gid"}
        if offset:
            params["offset"] = offset
        return self._bulk_get(path, params, f"GET {path}", _page)

    def stories(self, task: str, fields: Sequence[str]) -> list[dict[str, Any]]:
        """Every story of a task (usually one page)."""
        out: list[dict[str, Any]] = []
        offset: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE_LIMIT, "opt_fields": ",".join(fields)}
            if offset:
                params["offset"] = offset
            page = self._bulk_get(f"/tasks/{task}/stories", params, "GET /tasks/{gid}/stories", _page)
            out += page.data
            if page.next_offset is None:
                return out
            offset = page.next_offset

    def stories_of_many(self, tasks: Sequence[str], fields: Sequence[str]) -> dict[str, list[dict[str, Any]] | None]:
        """Every story of up to 10 tasks through one ``POST /batch`` (``None`` for a task that is gone, 404).

        Asana counts each action of a batch as one request against its limits, so the per-minute gate is
        taken once per action; a task with more than a page of stories has the rest read by ``stories``.
        Any other failing action fails (and retries) the whole call."""
        if not 1 <= len(tasks) <= MAX_BATCH_ACTIONS:
            raise ValueError(f"a batch takes 1 to {MAX_BATCH_ACTIONS} tasks")
        actions = [
            {
                "relative_path": f"/tasks/{task}/stories",
                "method": "get",
                "options": {"limit": PAGE_LIMIT, "fields": list(fields)},
            }
            for task in tasks
        ]
        gate = self.reads.rate_gate

        def attempt() -> Any:
            for _ in range(len(actions) - 1):  # the call itself takes one
                if gate is not None:
                    gate.acquire()
            return self._http._send_once("POST", "/batch", None, {"data": {"actions": actions}})

        body = self.reads.call(attempt, what=f"POST /batch ({len(actions)} story lists)")
        found: dict[str, list[dict[str, Any]] | None] = {}
        for task, result in zip(tasks, _batch_results(body, len(actions)), strict=True):
            if result is None:
                found[task] = None
                continue
            page = _page(result, "GET /tasks/{gid}/stories (batch)")
            found[task] = page.data if page.next_offset is None else self.stories(task, fields)
        return found

    def task_count(self, project: str) -> int | None:
        """The project's ``num_tasks`` (``/projects/{gid}/task_counts``; every field is opt-in)."""
        found = self._bulk_get(
            f"/projects/{project}/task_counts", {"opt_fields": "num_tasks"}, "GET /projects/{gid}/task_counts", _record
        )
        count = found.get("num_tasks")
        return count if isinstance(count, int) else None

    def task(self, gid: str, fields: Sequence[str]) -> dict[str, Any]:
        """One task with ``fields``; :class:`connectors.errors.NotFound` when it is gone."""
        return self._bulk_get(f"/tasks/{gid}", {"opt_fields": ",".join(fields)}, "GET /tasks/{gid}", _record)

    # -- webhooks (SDK) ----------------------------------------------------------------------------

    def register_webhook(self, resource: str, target: str, filters: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
        """Create a webhook; Asana's ``X-Hook-Secret`` handshake reaches ``target`` while this call waits."""
        api = asana.WebhooksApi(self._sdk)
        data: dict[str, Any] = {"resource": resource, "target": target}
        if filters:
            data["filters"] = [dict(f) for f in filters]
        return self._call_sdk(
            "POST /webhooks",
            lambda: _record(api.create_webhook({"data": data}, {}, **self._timeout()), "POST /webhooks"),
            write=True,
        )

    def list_webhooks(self, workspace: str, resource: str | None = None) -> list[dict[str, Any]]:
        """The token's webhooks in a workspace (optionally on one resource)."""
        api = asana.WebhooksApi(self._sdk)
        opts: dict[str, Any] = {"resource": resource} if resource else {}
        return list(self._sdk_pages("GET /webhooks", lambda o: api.get_webhooks(workspace, o, **self._timeout()), opts))

    def delete_webhook(self, gid: str) -> None:
        """Delete a webhook."""
        api = asana.WebhooksApi(self._sdk)
        self._call_sdk(
            "DELETE /webhooks/{gid}",
            lambda: _envelope(api.delete_webhook(gid, **self._timeout()), "DELETE /webhooks"),
            write=True,
        )
