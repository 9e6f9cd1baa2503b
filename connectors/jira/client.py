"""Every call Baton makes to Jira Cloud: the only module that imports the ``jira`` SDK or sends HTTP.

Discovery, admin webhooks and the paged ``search/jql`` read (pull pages, census) go through the ``jira`` SDK (the
client of record): metadata through its own calls, the pages through its session with the body decoded by
``decode_json`` (orjson; the SDK's standard-library decoder was a sixth of a full sync's client CPU), its own
retries off (``max_retries=0``) and its exceptions translated into :mod:`connectors.errors`.
``bench/sync_jira.py`` measured this against ``httpx`` at 20,000 issues: the same wall time and about 25 % less
client CPU and memory, so the SDK keeps the bulk read. ``BulkRead.HTTPX`` sends it through ``httpx`` instead
(the injected transport seam of tests). Single issues, changelog completion and counts use ``httpx``. Every
call, SDK or httpx, runs through one :class:`ResilientCaller` per connection (one retry layer, the circuit
breaker, the rate gate), whose counts are :attr:`JiraClient.requests_made`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

import httpx
import requests
from jira import JIRA, JIRAError

from connectors.config import ConnectorConfig
from connectors.errors import ConnectorError, InvalidPayload, NotFound, UpstreamError
from connectors.http import (
    CircuitBreaker,
    ResilientCaller,
    TokenBucketGate,
    VendorHttp,
    decode_json,
    error_for_status,
    guard_requests_session,
)

__all__ = ["BulkRead", "JiraClient", "jira_error_detail", "webhook_id_of"]

log = logging.getLogger(__name__)
T = TypeVar("T")

API = "/rest/api/3"
AGILE = "/rest/agile/1.0"
ADMIN_WEBHOOKS = "/rest/webhooks/1.0/webhook"
SEARCH_PAGE_MAX = 100  # search/jql with fields
IDS_PAGE_MAX = 5_000  # search/jql with `id` only
PROJECT_PAGE_MAX = 100
AGILE_PAGE_MAX = 50
USER_PAGE_MAX = 1_000
GROUP_PAGE_MAX = 50
CHANGELOG_PAGE_MAX = 100
BULK_CHANGELOG_ISSUES = 1_000
BULK_CHANGELOG_RESULTS = 10_000
# Jira Cloud's burst limits are token buckets per endpoint and method, with unpublished sizes; one bucket of 100
# refilled at 10 a second for the whole connection stays under every figure reported for API-token traffic, and
# Retry-After still governs when Jira disagrees. (A sliding window of 100 per 10 s, used before, admits the same
# long-run rate but pauses after each burst: it bounded a 20,000-issue full sync at 228 requests / 10 per s.)
BURST_CAPACITY = 100
BURST_REFILL_PER_SECOND = 10.0


class BulkRead(StrEnum):
    """How the paged bulk read is sent."""

    HTTPX = "httpx"
    SDK = "sdk"


def jira_error_detail(response: httpx.Response) -> str:
    """Jira's ``{"errorMessages": [...], "errors": {...}}`` as one line (the raw start of the body otherwise)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return response.text[:200]
    if not isinstance(body, dict):
        return response.text[:200]
    messages = [str(m) for m in body.get("errorMessages") or []]
    messages += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
    return "; ".join(messages)[:500] or response.text[:200]


def _translate_sdk_error(error: JIRAError) -> ConnectorError:
    response = error.response
    status = error.status_code or (response.status_code if response is not None else None)
    if status is None:
        return UpstreamError(f"jira SDK: {error.text or error}")
    headers: Mapping[str, str] = response.headers if response is not None else {}
    failure = error_for_status(int(status), {k.lower(): v for k, v in headers.items()}, str(error.text or "")[:500])
    return failure or UpstreamError(f"jira SDK: HTTP {status}")


class _BearerAuth(httpx.Auth):
    """OAuth 2.0 (3LO) access token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class JiraClient:
    """One Jira Cloud connection: the SDK for metadata, httpx (or the SDK) for the paged bulk read."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        bulk_read: BulkRead = BulkRead.SDK,
        caller: ResilientCaller | None = None,
        sdk_factory: Callable[[], JIRA] | None = None,
    ) -> None:
        self.config = config
        self.bulk_read = bulk_read
        self.base_url = config.base_url.rstrip("/")
        self.caller = caller or ResilientCaller(
            breaker=CircuitBreaker(time_source=config.time_source),
            rate_gate=TokenBucketGate(
                capacity=BURST_CAPACITY, per_second=BURST_REFILL_PER_SECOND, time_source=config.time_source
            ),
            time_source=config.time_source,
        )
        self._http_client = httpx.Client(
            base_url=self.base_url,
            transport=config.transport,
            auth=self._httpx_auth(config.credentials),
            timeout=config.timeout_seconds,
            headers={"Accept": "application/json", "User-Agent": "baton-jira"},
            follow_redirects=False,
        )
        self.http = VendorHttp(self._http_client, self.caller, error_detail=jira_error_detail)
        self._sdk: JIRA | None = None
        self.server_info: dict[str, Any] = {}
        self._sdk_factory = sdk_factory or self._build_sdk

    # ----- plumbing ---------------------------------------------------------------------------------------

    @staticmethod
    def _httpx_auth(credentials: Mapping[str, str]) -> httpx.Auth:
        if credentials.get("access_token"):
            return _BearerAuth(credentials["access_token"])
        return httpx.BasicAuth(credentials.get("email", ""), credentials.get("api_token", ""))

    def _build_sdk(self) -> JIRA:
        credentials = self.config.credentials
        auth: dict[str, Any] = (
            {"token_auth": credentials["access_token"]}
            if credentials.get("access_token")
            else {"basic_auth": (credentials.get("email", ""), credentials.get("api_token", ""))}
        )
        sdk = JIRA(
            server=self.base_url,
            options={"rest_api_version": "3", "agile_rest_path": "agile", "check_update": False},
            max_retries=0,  # one retry layer: ours
            timeout=self.config.timeout_seconds,
            get_server_info=False,  # read below, once, so Baton keeps the site URL it names
            **auth,
        )
        guard_requests_session(sdk._session, self.config.net_policy)  # A9: destinations checked, no redirects
        info = sdk.server_info()
        # What get_server_info=True would have set: the SDK needs deploymentType "Cloud" for search/jql.
        sdk._version = tuple(info["versionNumbers"])
        sdk.deploymentType = info.get("deploymentType")
        self.server_info = info
        return sdk

    @property
    def sdk(self) -> JIRA:
        """The SDK client, built (one serverInfo request) on first use."""
        if self._sdk is None:
            self._sdk = self._sdk_call("jira serverInfo", self._sdk_factory)
        return self._sdk

    def site_url(self) -> str:
        """The site's browse URL (``serverInfo.displayUrl``/``baseUrl``; the gateway URL is never shown to users)."""
        _ = self.sdk
        url = self.server_info.get("displayUrl") or self.server_info.get("baseUrl") or self.base_url
        return str(url).rstrip("/")

    def _sdk_call(self, what: str, operation: Callable[[], T]) -> T:
        def attempt() -> T:
            try:
                return operation()
            except JIRAError as error:
                raise _translate_sdk_error(error) from error
            except requests.RequestException as error:
                raise UpstreamError(f"network: {type(error).__name__}") from error
            except ValueError as error:  # a 2xx whose body is not JSON (truncated, invalid)
                raise InvalidPayload(f"{what}: the body is not valid JSON") from error

        return self.caller.call(attempt, what=what)

    def _sdk_get(self, path: str, params: Mapping[str, Any] | None = None, *, agile: bool = False) -> Any:
        base = self.sdk.AGILE_BASE_URL if agile else self.sdk.JIRA_BASE_URL
        prefix = AGILE if agile else API
        return self._sdk_call(f"GET {prefix}/{path}", lambda: self.sdk._get_json(path, dict(params or {}), base=base))

    def _sdk_send(self, method: str, url_path: str, body: Any = None) -> Any:
        def send() -> Any:
            response = self.sdk._session.request(
                method, f"{self.base_url}{url_path}", data=None if body is None else json.dumps(body)
            )
            return decode_json(response.content) if response.content else None

        return self._sdk_call(f"{method} {url_path}", send)

    @property
    def requests_made(self) -> int:
        """Requests sent so far (each attempt counts, SDK calls included)."""
        return self.caller.stats.requests

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http_client.close()
        if self._sdk is not None:
            self._sdk.close()  # type: ignore[no-untyped-call]

    # ----- metadata (SDK) ---------------------------------------------------------------------------------

    def myself(self) -> dict[str, Any]:
        """The signed-in user (``timeZone`` governs JQL dates)."""
        result: dict[str, Any] = self._sdk_get("myself")
        return result

    def fields(self) -> list[dict[str, Any]]:
        """Every field of the site."""
        result: list[dict[str, Any]] = self._sdk_get("field")
        # The SDK's search translates requested names through this cache (filled from /field, uncounted, on first
        # use) by clause name: `id` would become `issuekey`, which Jira pages at 100 instead of 5,000. Baton asks
        # by field id, so the cache maps every id to itself.
        self.sdk._fields_cache_value = {str(f["id"]): str(f["id"]) for f in result}
        return result

    def statuses(self) -> list[dict[str, Any]]:
        """Every status with its category."""
        result: list[dict[str, Any]] = self._sdk_get("status")
        return result

    def projects(self) -> Iterator[dict[str, Any]]:
        """Every project (``project/search``, paged)."""
        yield from self._offset_pages("project/search", PROJECT_PAGE_MAX, {"orderBy": "key"})

    def boards(self) -> Iterator[dict[str, Any]]:
        """Every Agile board."""
        yield from self._offset_pages("board", AGILE_PAGE_MAX, {}, agile=True)

    def board_configuration(self, board_id: str) -> dict[str, Any]:
        """A board's configuration (columns and the estimation field)."""
        result: dict[str, Any] = self._sdk_get(f"board/{board_id}/configuration", agile=True)
        return result

    def sprints(self, board_id: str) -> Iterator[dict[str, Any]]:
        """Every sprint of a scrum board."""
        yield from self._offset_pages(f"board/{board_id}/sprint", AGILE_PAGE_MAX, {}, agile=True)

    def users(self) -> Iterator[dict[str, Any]]:
        """Every user with a Jira account: ``users/search`` (the group ``jira-software-users`` where that is
        not served)."""
        try:
            yield from self._offset_pages("users/search", USER_PAGE_MAX, {}, list_body=True)
        except NotFound:
            log.info("users/search is not served; reading the jira-software-users group instead")
            yield from self._offset_pages("group/member", GROUP_PAGE_MAX, {"groupname": "jira-software-users"})

    def _offset_pages(
        self,
        path: str,
        page_size: int,
        params: Mapping[str, Any],
        *,
        agile: bool = False,
        list_body: bool = False,
    ) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            page = self._sdk_get(path, {**params, "startAt": start, "maxResults": page_size}, agile=agile)
            values: list[dict[str, Any]] = page if list_body else page.get("values") or []
            yield from values
            start += len(values)
            if list_body:
                if len(values) < page_size:
                    return
            elif page.get("isLast", True) or not values:
                return

    # ----- issues (httpx or SDK) ---------------------------------------------------------------------------

    def search_page(
        self,
        jql: str,
        *,
        fields: Sequence[str],
        expand: str | None = None,
        token: str | None = None,
        max_results: int = SEARCH_PAGE_MAX,
    ) -> dict[str, Any]:
        """One page of ``search/jql`` (POST); ``nextPageToken`` is absent on the last page. ``BulkRead.SDK`` sends it
        through the SDK's session and decodes it with ``decode_json`` (the SDK's ``enhanced_search_issues`` decodes
        with the standard library, a sixth of a full sync's client CPU)."""
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": max_results}
        if expand:
            body["expand"] = expand
        if token:
            body["nextPageToken"] = token
        if self.bulk_read is BulkRead.SDK:
            result = self._sdk_send("POST", f"{API}/search/jql", body)
        else:
            result = self.http.request_json("POST", f"{API}/search/jql", json_body=body)
        return self._expect_object(result, "search/jql")

    @staticmethod
    def _expect_object(result: Any, what: str) -> dict[str, Any]:
        if not isinstance(result, dict):
            raise InvalidPayload(f"{what}: expected a JSON object")
        return result

    def search_ids(self, jql: str) -> Iterator[str]:
        """Every matching issue id (``fields=id``, 5,000 per page)."""
        token: str | None = None
        while True:
            page = self.search_page(jql, fields=["id"], token=token, max_results=IDS_PAGE_MAX)
            for issue in page.get("issues") or []:
                yield str(issue["id"])
            token = page.get("nextPageToken")
            if not token or page.get("isLast"):
                return

    def board_issue_ids(self, board_id: str) -> Iterator[str]:
        """Every issue id on a board (Agile, paged)."""
        start = 0
        while True:
            page = self.http.get_json(
                f"{AGILE}/board/{board_id}/issue", {"startAt": start, "maxResults": SEARCH_PAGE_MAX, "fields": "id"}
            )
            issues = self._expect_object(page, "board issues").get("issues") or []
            for issue in issues:
                yield str(issue["id"])
            start += len(issues)
            if not issues or start >= int(page.get("total") or 0):
                return

    def approximate_count(self, jql: str) -> int:
        """``search/approximate-count`` for bounded JQL."""
        result = self._expect_object(
            self.http.request_json("POST", f"{API}/search/approximate-count", json_body={"jql": jql}), "count"
        )
        return int(result.get("count") or 0)

    def issue(self, issue_id: str, *, fields: Sequence[str], expand: str | None = "changelog") -> dict[str, Any] | None:
        """One issue (``None`` when it does not exist or is not visible)."""
        params: list[tuple[str, str]] = [("fields", ",".join(fields))]
        if expand:
            params.append(("expand", expand))
        try:
            result = self.http.get_json(f"{API}/issue/{issue_id}", params)
        except NotFound:
            return None
        return self._expect_object(result, "issue")

    def issue_changelog(self, issue_id: str) -> list[dict[str, Any]]:
        """Every history of one issue (``issue/{id}/changelog``, paged), oldest first."""
        histories: list[dict[str, Any]] = []
        while True:
            page = self._expect_object(
                self.http.get_json(
                    f"{API}/issue/{issue_id}/changelog", {"startAt": len(histories), "maxResults": CHANGELOG_PAGE_MAX}
                ),
                "changelog",
            )
            values = page.get("values") or []
            histories += values
            if page.get("isLast", True) or not values:
                return histories

    def bulk_changelogs(self, issue_ids: Sequence[str], field_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """The histories of up to 1,000 issues, restricted to ``field_ids`` (``changelog/bulkfetch``)."""
        if len(issue_ids) > BULK_CHANGELOG_ISSUES:
            raise ValueError(f"at most {BULK_CHANGELOG_ISSUES} issues per bulk changelog read")
        found: dict[str, list[dict[str, Any]]] = {issue_id: [] for issue_id in issue_ids}
        token: str | None = None
        while True:
            body: dict[str, Any] = {
                "issueIdsOrKeys": list(issue_ids),
                "fieldIds": list(field_ids)[:10],
                "maxResults": BULK_CHANGELOG_RESULTS,
            }
            if token:
                body["nextPageToken"] = token
            page = self._expect_object(
                self.http.request_json("POST", f"{API}/changelog/bulkfetch", json_body=body), "bulk changelog"
            )
            for log_entry in page.get("issueChangeLogs") or []:
                found.setdefault(str(log_entry["issueId"]), []).extend(log_entry.get("changeHistories") or [])
            token = page.get("nextPageToken")
            if not token:
                return found

    # ----- writes used by the tests and the CLI ------------------------------------------------------------

    def register_webhook(
        self, url: str, secret: str, jql: str = "", *, name: str = "Baton", events: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Create an admin webhook signed with ``secret`` (``X-Hub-Signature``) for issues matching ``jql``
        (every issue of the site when ``jql`` is empty)."""
        body: dict[str, Any] = {
            "name": name,
            "url": url,
            "events": list(events or ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")),
            "excludeBody": False,
            "secret": secret,
        }
        if jql:
            body["filters"] = {"issue-related-events-section": jql}
        result: dict[str, Any] = self._sdk_send("POST", ADMIN_WEBHOOKS, body)
        return result

    def list_webhooks(self) -> list[dict[str, Any]]:
        """Every admin webhook of the site."""
        result: list[dict[str, Any]] = self._sdk_send("GET", ADMIN_WEBHOOKS) or []
        return result

    def delete_webhook(self, webhook_id: str) -> None:
        """Delete an admin webhook by id (from its ``self`` URL or ``list_webhooks``)."""
        self._sdk_send("DELETE", f"{ADMIN_WEBHOOKS}/{webhook_id}")


def webhook_id_of(webhook: Mapping[str, Any]) -> str:
    """The id of an admin webhook (the last segment of its ``self`` URL)."""
    self_url = str(webhook.get("self") or "")
    if not self_url:
        raise ValueError("the webhook has no self URL")
    return self_url.rstrip("/").rsplit("/", 1)[-1]
