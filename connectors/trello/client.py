"""Trello over HTTP: the only module that imports py-trello or sends requests.

py-trello is the client of record (discovery, webhooks, writes). Its host is hard-coded, so it gets an
``http_service`` that rewrites ``https://api.trello.com/1/`` and ``https://trello.com/1/`` to the
configured base URL and sends through the same ``httpx`` client (and injected transport) as the bulk reads.
That service raises :mod:`connectors.errors` for every non-2xx answer, so py-trello never sees one, and the
one retry layer (:class:`ResilientCaller`) sees the status and ``Retry-After``. py-trello has no retries.

Every request first passes Trello's published limits, kept a little under: 90 per 10 s per token and
270 per 10 s per key (shared by every connection on the process using that token/key), and 90 per 900 s on
``/1/members/*``. The 429 lockout (more than 200 refusals per key per window) is therefore never reached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import requests
from trello import TrelloClient
from trello.exceptions import ResourceUnavailable

from connectors.config import ConnectorConfig
from connectors.errors import AuthError, ConnectorError, InvalidPayload, UpstreamError
from connectors.http import (
    CircuitBreaker,
    ConcurrencyGate,
    RateGate,
    ResilientCaller,
    SystemTime,
    TimeSource,
    VendorHttp,
    error_for_status,
    redact_url,
)

__all__ = [
    "BulkPath",
    "TrelloApi",
    "TrelloLimits",
    "TrelloThrottle",
    "WebhookInfo",
    "api_root",
]

BulkPath = Literal["httpx", "sdk"]
MAX_BATCH_URLS = 10  # Trello's cap on the routes of one /1/batch call
SDK_HOSTS = ("https://api.trello.com/1/", "https://trello.com/1/")

# A8: py-trello signs with (requests-)oauthlib, whose DEBUG records print the key, the token and the signing
# base string. They stay off whatever the log level: secrets never reach the logs.
for _signing_logger in ("oauthlib", "requests_oauthlib"):
    logging.getLogger(_signing_logger).setLevel(max(logging.INFO, logging.getLogger(_signing_logger).level))


@dataclass(frozen=True)
class TrelloLimits:
    """What Baton allows itself: under Trello's 100/10 s per token, 300/10 s per key, 100/900 s on members."""

    token_per_window: int = 90
    key_per_window: int = 270
    window_seconds: float = 10.0
    members_per_window: int = 90
    members_window_seconds: float = 900.0


_GATES: dict[tuple[str, str, int], RateGate] = {}
_GATES_LOCK = threading.Lock()


def _shared_gate(scope: str, secret: str, limit: int, window: float, time_source: TimeSource) -> RateGate:
    """One gate per (scope, credential, clock) in the process: connections sharing a token share its budget."""
    fingerprint = hashlib.sha256(f"{scope}:{secret}:{limit}:{window}".encode()).hexdigest()
    # The real clock is one clock: connections of a process that share a token share its budget.
    clock = 0 if isinstance(time_source, SystemTime) else id(time_source)
    key = (scope, fingerprint, clock)
    with _GATES_LOCK:
        gate = _GATES.get(key)
        if gate is None:
            gate = _GATES[key] = RateGate(limit=limit, window_seconds=window, time_source=time_source)
        return gate


class TrelloThrottle:
    """The rate gates one request passes, chosen by its path."""

    def __init__(self, api_key: str, token: str, time_source: TimeSource, limits: TrelloLimits) -> None:
        window = limits.window_seconds
        self.token = _shared_gate("token", token, limits.token_per_window, window, time_source)
        self.key = _shared_gate("key", api_key, limits.key_per_window, window, time_source)
        self.members = _shared_gate(
            "members", token, limits.members_per_window, limits.members_window_seconds, time_source
        )

    def acquire(self, path: str) -> None:
        """Wait until the request fits every limit that applies to ``path``."""
        if "/1/members/" in path:
            self.members.acquire()
        self.token.acquire()
        self.key.acquire()


def api_root(base_url: str) -> str:
    """The server root of a configured base URL (``…/1`` and trailing slashes removed)."""
    root = base_url.rstrip("/")
    return root[: -len("/1")] if root.endswith("/1") else root


class _SdkResponse:
    """What py-trello reads from a response: a 200, its text, its JSON (or :class:`InvalidPayload`)."""

    status_code = 200

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.text = response.text

    def json(self) -> Any:
        if not self._response.content:
            return None
        try:
            return json.loads(self._response.content)
        except ValueError as error:
            raise InvalidPayload(
                f"HTTP {self._response.status_code} with a body that is not valid JSON "
                f"({len(self._response.content)} bytes)",
                status=self._response.status_code,
            ) from error


class _SdkHttpService:
    """py-trello's ``http_service``: host rewritten, sent through httpx, failures raised as ConnectorErrors."""

    def __init__(self, client: httpx.Client, root: str, caller: ResilientCaller) -> None:
        self._client = client
        self._root = root
        self._caller = caller

    def _rewrite(self, url: str) -> str:
        for host in SDK_HOSTS:
            if url.startswith(host):
                return f"{self._root}/1/{url[len(host) :]}"
        return url

    def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
        auth: Any = None,
        files: Any = None,
        proxies: Any = None,
    ) -> _SdkResponse:
        """Send one request the way ``requests.request`` would (OAuth 1 header included), via httpx."""
        prepared = requests.Request(
            method, self._rewrite(url), params=dict(params or {}), headers=dict(headers or {}), data=data, auth=auth
        ).prepare()
        try:
            response = self._client.request(
                prepared.method or method,
                prepared.url or url,
                headers={k: v for k, v in prepared.headers.items() if k.lower() != "content-length"},
                content=prepared.body,
            )
        except httpx.TimeoutException as error:
            raise UpstreamError(f"timeout: {type(error).__name__}") from error
        except httpx.TransportError as error:
            raise UpstreamError(f"network: {type(error).__name__}") from error
        stats = self._caller.stats.by_status
        with self._caller._lock:
            stats[response.status_code] = stats.get(response.status_code, 0) + 1
        failure = error_for_status(response.status_code, response.headers, response.text[:200])
        if failure is not None:
            raise failure
        return _SdkResponse(response)

    def post(self, url: str, data: Any = None, auth: Any = None, proxies: Any = None) -> _SdkResponse:
        """py-trello's form POST (webhook creation)."""
        return self.request("POST", url, data=data, auth=auth)


@dataclass(frozen=True)
class WebhookInfo:
    """A Trello webhook as Baton reports it."""

    id: str
    callback_url: str
    id_model: str
    description: str
    active: bool


def _translate_sdk_error(error: ResourceUnavailable) -> ConnectorError:
    status = int(getattr(error, "_status", 0) or 0)
    translated = error_for_status(status, {}, str(error)[:200]) if status else None
    return translated or UpstreamError(f"py-trello: {type(error).__name__}")


class TrelloApi:
    """One Trello account: py-trello for every call (or httpx for the paged reads, when configured)."""

    def __init__(self, config: ConnectorConfig, *, bulk: BulkPath = "sdk", limits: TrelloLimits | None = None) -> None:
        credentials = config.credentials
        self.api_key = credentials.get("api_key", "")
        self.token = credentials.get("token", "")
        if not self.api_key or not self.token:
            raise AuthError("a Trello connection needs credentials api_key and token")
        self.bulk: BulkPath = bulk
        self.root = api_root(config.base_url)
        time_source = config.time_source
        self.throttle = TrelloThrottle(self.api_key, self.token, time_source, limits or TrelloLimits())
        self.caller = ResilientCaller(
            breaker=CircuitBreaker(time_source=time_source),
            concurrency=ConcurrencyGate(max(1, config.max_concurrency)),
            time_source=time_source,
        )
        self._http = httpx.Client(
            base_url=self.root,
            transport=config.transport,
            timeout=config.timeout_seconds,
            headers={"Accept": "application/json"},
            event_hooks={"request": [self._before_request]},
        )
        self._vendor_http = VendorHttp(self._http, self.caller)
        self.sdk = TrelloClient(
            api_key=self.api_key,
            api_secret=credentials.get("app_secret") or None,
            token=self.token,
            http_service=_SdkHttpService(self._http, self.root, self.caller),
        )

    def _before_request(self, request: httpx.Request) -> None:
        self.throttle.acquire(request.url.path)

    @property
    def requests_made(self) -> int:
        """Requests sent so far (retries included)."""
        return self.caller.stats.requests

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    # ----- reads -----------------------------------------------------------------------------------

    def sdk_get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET through py-trello (``fetch_json``), under the retry policy."""

        def attempt() -> Any:
            try:
                return self.sdk.fetch_json(path, query_params=dict(params or {}))
            except ResourceUnavailable as error:
                raise _translate_sdk_error(error) from error

        return self.caller.call(attempt, what=f"GET /1/{path.lstrip('/')} (py-trello)")

    def http_get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET through httpx with ``key``/``token`` parameters, under the retry policy."""
        query = {**(params or {}), "key": self.api_key, "token": self.token}
        return self._vendor_http.get_json(f"/1/{path.lstrip('/')}", params=query)

    def bulk_get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """A paged read, by the path chosen for bulk reads.

        py-trello by default: ``fetch_json`` passes ``before``/``limit`` through, bench/sync_trello.py measured
        it level with plain httpx (the client is not the bottleneck), and it keeps the token out of URLs.
        """
        return self.sdk_get(path, params) if self.bulk == "sdk" else self.http_get(path, params)

    def me(self) -> dict[str, Any]:
        """The token's member (``/1/members/me``: its own, stricter limit)."""
        found = self.sdk_get("members/me", {"fields": "id,fullName,username,email"})
        if not isinstance(found, dict) or not found.get("id"):
            raise InvalidPayload("members/me did not return a member")
        return found

    def boards(self) -> list[dict[str, Any]]:
        """Open boards of the token's member."""
        found = self.sdk_get("members/me/boards", {"filter": "open", "fields": "id,name,url,shortLink,closed"})
        return _list_of_objects(found, "boards")

    def board(self, board_id: str) -> dict[str, Any]:
        """A board with its lists (all, closed included), members (with emails where shown) and custom fields."""
        found = self.sdk_get(
            f"boards/{board_id}",
            {
                "fields": "id,name,url,shortLink,closed",
                "lists": "all",
                "list_fields": "id,name,closed,idBoard,pos",
                "members": "all",
                "member_fields": "id,fullName,username,email",
                "customFields": "true",
            },
        )
        if not isinstance(found, dict) or not found.get("id"):
            raise InvalidPayload(f"board {board_id} did not come back as an object")
        return found

    def card(self, card_id: str, fields: str) -> dict[str, Any]:
        """One card with custom field items and attachments; raises ``NotFound`` when it is gone."""
        found = self.bulk_get(
            f"cards/{card_id}",
            {"fields": fields, "customFieldItems": "true", "attachments": "true", "attachment_fields": "url,name"},
        )
        if not isinstance(found, dict) or not found.get("id"):
            raise InvalidPayload(f"card {card_id} did not come back as an object")
        return found

    def card_actions(self, card_id: str, action_filter: str, limit: int) -> list[dict[str, Any]]:
        """A card's newest actions, newest first."""
        found = self.bulk_get(f"cards/{card_id}/actions", {"filter": action_filter, "limit": limit})
        return _list_of_objects(found, "card actions")

    def cards_actions(
        self, card_ids: Sequence[str], action_filter: str, limit: int
    ) -> dict[str, list[dict[str, Any]] | None]:
        """Several cards' newest actions (newest first) by ``/1/batch``, 10 cards a call; ``None`` for a card
        that is gone (404). Each route is budgeted as one more request under the gates (Trello does not say
        how a batch counts), and any other failing route fails (and retries) its whole call."""
        found: dict[str, list[dict[str, Any]] | None] = {}
        for start in range(0, len(card_ids), MAX_BATCH_URLS):
            chunk = list(card_ids[start : start + MAX_BATCH_URLS])
            query = f"filter={action_filter.replace(',', '%2C')}&limit={limit}"
            routes = [f"/cards/{card_id}/actions?{query}" for card_id in chunk]
            for card_id, answer in zip(chunk, self._batch(routes), strict=True):
                found[card_id] = None if answer is None else _list_of_objects(answer, "card actions")
        return found

    def _batch(self, routes: Sequence[str]) -> list[Any]:
        """``GET /1/batch`` through py-trello: each route's body, ``None`` for a 404; other failures raise."""

        def attempt() -> list[Any]:
            for route in routes:
                self.throttle.acquire(f"/1{route.partition('?')[0]}")
            try:
                entries = self.sdk.fetch_json("batch", query_params={"urls": ",".join(routes)})
            except ResourceUnavailable as error:
                raise _translate_sdk_error(error) from error
            return _batch_bodies(entries, len(routes))

        return self.caller.call(attempt, what=f"GET /1/batch ({len(routes)} routes, py-trello)")

    def cards_page(self, board_id: str, *, fields: str, limit: int, before: str | None) -> list[dict[str, Any]]:
        """One page of a board's cards, archived included, newest first (``before`` = the oldest id seen)."""
        params: dict[str, Any] = {"fields": fields, "limit": limit, "customFieldItems": "true"}
        if fields != "id":
            params |= {"attachments": "true", "attachment_fields": "url,name"}
        if before is not None:
            params["before"] = before
        return _list_of_objects(self.bulk_get(f"boards/{board_id}/cards/all", params), "cards")

    def list_cards_page(self, list_id: str, *, limit: int, before: str | None) -> list[dict[str, Any]]:
        """One page of a list's card ids, archived included, newest first."""
        params: dict[str, Any] = {"filter": "all", "fields": "id", "limit": limit}
        if before is not None:
            params["before"] = before
        return _list_of_objects(self.bulk_get(f"lists/{list_id}/cards", params), "cards")

    def actions_page(
        self, board_id: str, *, action_filter: str, limit: int, since: str | None, before: str | None
    ) -> list[dict[str, Any]]:
        """One page of a board's actions, newest first, strictly between ``since`` and ``before``."""
        params: dict[str, Any] = {"filter": action_filter, "limit": limit}
        if since is not None:
            params["since"] = since
        if before is not None:
            params["before"] = before
        return _list_of_objects(self.bulk_get(f"boards/{board_id}/actions", params), "actions")

    # ----- webhooks (py-trello) --------------------------------------------------------------------

    def register_webhook(self, callback_url: str, id_model: str, description: str) -> WebhookInfo:
        """Create a webhook on ``id_model`` (Trello first sends HEAD to ``callback_url`` and needs a 200)."""

        def attempt() -> WebhookInfo:
            hook = self.sdk.create_hook(callback_url, id_model, desc=description)
            return WebhookInfo(str(hook.id), callback_url, id_model, description, True)

        return self.caller.call(attempt, what=f"POST webhook for {id_model} -> {redact_url(callback_url)}")

    def list_webhooks(self) -> list[WebhookInfo]:
        """The token's webhooks."""

        def attempt() -> list[WebhookInfo]:
            return [
                WebhookInfo(str(h.id), str(h.callback_url), str(h.id_model), str(h.desc or ""), bool(h.active))
                for h in self.sdk.list_hooks()
            ]

        return self.caller.call(attempt, what="GET token webhooks")

    def delete_webhook(self, webhook_id: str) -> None:
        """Delete one webhook (``NotFound`` if it does not exist)."""

        def attempt() -> None:
            try:
                self.sdk.fetch_json(f"/webhooks/{webhook_id}", http_method="DELETE")
            except ResourceUnavailable as error:
                raise _translate_sdk_error(error) from error

        self.caller.call(attempt, what=f"DELETE webhook {webhook_id}")


def _batch_bodies(entries: Any, expected: int) -> list[Any]:
    """The bodies of ``/1/batch`` entries (``{"<status>": body}`` each), ``None`` for a 404; any other status
    raises its :mod:`connectors.errors` error (the whole call is retried)."""
    if not isinstance(entries, list) or len(entries) != expected:
        raise InvalidPayload(f"batch: expected a list of {expected} answers")
    bodies: list[Any] = []
    for entry in entries:
        if not isinstance(entry, dict) or len(entry) != 1 or not str(next(iter(entry))).isdigit():
            raise InvalidPayload("batch: an answer is not one object keyed by its status")
        status_text, body = next(iter(entry.items()))
        status = int(status_text)
        if status == 404:
            bodies.append(None)
            continue
        failure = error_for_status(status, {}, str(body)[:200])
        if failure is not None:
            raise failure
        bodies.append(body)
    return bodies


def _list_of_objects(found: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(found, list) or not all(isinstance(entry, dict) for entry in found):
        raise InvalidPayload(f"{what}: expected a JSON list of objects")
    return found
