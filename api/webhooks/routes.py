"""`/webhooks/{vendor}/{connection}`: the receivers vendors call. Public (no API key): signed instead.

Order of work, for every delivery: verify the raw body's signature (a forgery costs no query), parse, store
new deliveries in the inbox and commit (group commit: deliveries arriving together share a transaction, see
``group_commit.py``), and only then answer 2xx. 401 for a bad signature, 400 for a
malformed body, 413 over the size limit, 503 when the store is unavailable (so the vendor retries), 202 for
events Baton ignores. A refused delivery writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import update
from sqlalchemy.exc import DataError, SQLAlchemyError

from api.deps import get_state
from api.problems import problem_response
from api.state import AppState
from api.webhooks.group_commit import store_inbox
from api.webhooks.registry import ReceiverTarget
from connectors.asana.webhooks import parse_asana_webhook, verify_asana_signature
from connectors.jira.webhooks import parse_jira_webhook, verify_jira_signature
from connectors.records import WebhookDelivery
from connectors.trello.webhooks import parse_trello_webhook, verify_trello_signature
from models.enums import Vendor
from models.tables import WEBHOOK_SUBSCRIPTIONS

__all__ = ["DECLARED_HEADERS", "deliver_asana", "deliver_jira", "deliver_trello", "router"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", tags=["webhooks"])

_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "Stored (or already stored): the vendor may forget it."},
    202: {"description": "Verified, but an event type Baton ignores; nothing stored."},
    400: {"description": "The body is not a valid delivery."},
    401: {"description": "The signature does not match."},
    404: {"description": "No such connection."},
    413: {"description": "The body is larger than the limit (1 MiB)."},
    503: {"description": "The store is unavailable; retry later."},
}


async def _receiver_state(request: Request) -> AppState:
    """The app state, resolved on the event loop (a sync dependency would cost a thread hop per delivery)."""
    return get_state(request)


StateDep = Annotated[AppState, Depends(_receiver_state)]

Parser = Callable[[dict[str, str], bytes], tuple[WebhookDelivery, ...]]

# A receiver sees only the headers its route declares (lower-case names, absent ones None): a header a
# handler reads is therefore always in the OpenAPI schema, where fuzzers and vendors' docs can find it.
DeclaredHeaders = Mapping[str, str | None]


SUBSCRIPTION_TOKEN = r"^[A-Za-z0-9._~-]+$"
"""What a subscription token Baton hands out looks like (URL-safe; anything else is refused before a query)."""
SUBSCRIPTION_TOKEN_MAX = 64

JIRA_HEADERS = ("x-hub-signature", "x-atlassian-webhook-identifier", "x-atlassian-webhook-retry")
TRELLO_HEADERS = ("x-trello-webhook",)
ASANA_HEADERS = ("x-hook-secret", "x-hook-signature")
DECLARED_HEADERS = {Vendor.JIRA: JIRA_HEADERS, Vendor.TRELLO: TRELLO_HEADERS, Vendor.ASANA: ASANA_HEADERS}
"""The headers each vendor's POST route declares (and so the only ones its receiver reads)."""


def _storable(delivery: WebhookDelivery) -> bool:
    """Whether the store can hold the delivery's identifiers as text (PostgreSQL refuses NUL characters)."""
    fields = (delivery.delivery_id, delivery.event_type, delivery.entity_external_id or "")
    return not any("\x00" in value for value in fields)


def _unknown_connection(vendor: Vendor, name: str) -> JSONResponse:
    return problem_response(404, f"No {vendor} connection named {name!r} receives webhooks here.")


def _bad_signature() -> JSONResponse:
    return problem_response(401, "The webhook signature does not match.")


async def _accept(
    state: AppState, target: ReceiverTarget, parser_headers: DeclaredHeaders, body: bytes, parse: Parser
) -> Response:
    headers = {name: value for name, value in parser_headers.items() if value is not None}
    try:
        deliveries = parse(headers, body)
    except (ValueError, TypeError, AttributeError) as error:
        return problem_response(400, f"The webhook body is not a valid delivery: {type(error).__name__}.")
    if not deliveries:
        return JSONResponse({"status": "ok", "new": 0}, status_code=200)  # a heartbeat
    if all(delivery.ignored for delivery in deliveries):
        return JSONResponse({"status": "ignored"}, status_code=202)
    if not all(_storable(delivery) for delivery in deliveries):
        return problem_response(400, "The webhook body is not a valid delivery: an identifier holds a NUL character.")
    try:
        stored = await store_inbox(
            state.database,
            source=str(target.vendor),
            connection_id=target.connection_id,
            deliveries=deliveries,
            body=body,
            now=state.clock(),
        )
    except DataError as error:  # the store refused a value of this delivery: retrying cannot help
        log.warning("webhook for %s refused by the store: %s", target.name, type(error).__name__)
        return problem_response(400, "The webhook body is not a valid delivery: the store refused a value.")
    except SQLAlchemyError as error:
        log.error("webhook for %s not stored, store unavailable: %s", target.name, type(error).__name__)
        return problem_response(503, "The store is unavailable; retry later.", headers={"Retry-After": "30"})
    return JSONResponse({"status": "stored", "new": stored}, status_code=200)


# The receivers proper, one per vendor: what a POST does once its connection name, declared headers (lower-case
# names, absent ones None), query and raw body are known. The routes below and the fast path
# (api/webhooks/fast_path.py) both call them, so the two answer alike by construction.


async def deliver_jira(state: AppState, connection: str, headers: DeclaredHeaders, body: bytes) -> Response:
    """Verify ``X-Hub-Signature`` over the raw body, then store the delivery."""
    target = state.receivers.get(Vendor.JIRA, connection)
    if target is None:
        return _unknown_connection(Vendor.JIRA, connection)
    signature = headers.get("x-hub-signature")
    if not any(verify_jira_signature(signature, body, secret) for secret in target.secrets_for(None)):
        return _bad_signature()
    parser_headers = {name: headers.get(name) for name in JIRA_HEADERS if name != "x-hub-signature"}
    return await _accept(state, target, parser_headers, body, parse_jira_webhook)


async def deliver_trello(
    state: AppState, connection: str, headers: DeclaredHeaders, body: bytes, request_url: Callable[[], str]
) -> Response:
    """Verify ``X-Trello-Webhook`` over the raw body and the callback URL as registered (else as requested)."""
    target = state.receivers.get(Vendor.TRELLO, connection)
    if target is None:
        return _unknown_connection(Vendor.TRELLO, connection)
    callback = target.callback_url or request_url()
    signature = headers.get("x-trello-webhook")
    if not any(verify_trello_signature(signature, body, callback, s) for s in target.secrets_for(None)):
        return _bad_signature()
    return await _accept(state, target, {}, body, parse_trello_webhook)


async def deliver_asana(
    state: AppState, connection: str, headers: DeclaredHeaders, body: bytes, sub: str | None
) -> Response:
    """Answer the ``X-Hook-Secret`` handshake, or verify ``X-Hook-Signature`` and store the events."""
    target = state.receivers.get(Vendor.ASANA, connection)
    if target is None:
        return _unknown_connection(Vendor.ASANA, connection)
    hook_secret = headers.get("x-hook-secret")
    if hook_secret is not None:
        return await _handshake(state, target, sub, hook_secret)
    signature = headers.get("x-hook-signature")
    if not any(verify_asana_signature(signature, body, secret) for secret in target.secrets_for(sub)):
        return _bad_signature()
    return await _accept(state, target, {}, body, parse_asana_webhook)


@router.post("/jira/{connection}", responses=_RESPONSES, summary="Jira admin webhook receiver")
async def receive_jira(
    connection: str,
    request: Request,
    state: StateDep,
    x_hub_signature: Annotated[str | None, Header(description="`sha256=<hex HMAC of the body>`")] = None,
    x_atlassian_webhook_identifier: Annotated[str | None, Header(description="Delivery id, same on retries")] = None,
    x_atlassian_webhook_retry: Annotated[str | None, Header(description="Retry count (retries only)")] = None,
) -> Response:
    """Verify ``X-Hub-Signature`` over the raw body, then store the delivery."""
    headers = {
        "x-hub-signature": x_hub_signature,
        "x-atlassian-webhook-identifier": x_atlassian_webhook_identifier,
        "x-atlassian-webhook-retry": x_atlassian_webhook_retry,
    }
    return await deliver_jira(state, connection, headers, await request.body())


@router.head("/trello/{connection}", summary="Trello's callback check")
async def check_trello(connection: str, state: StateDep) -> Response:
    """Trello sends HEAD to a callback URL before creating a webhook; 200 says it exists."""
    if state.receivers.get(Vendor.TRELLO, connection) is None:
        return Response(status_code=404)
    return Response(status_code=200)


@router.post("/trello/{connection}", responses=_RESPONSES, summary="Trello webhook receiver")
async def receive_trello(
    connection: str,
    request: Request,
    state: StateDep,
    x_trello_webhook: Annotated[str | None, Header(description="base64 HMAC-SHA1 of body + callback URL")] = None,
) -> Response:
    """Verify ``X-Trello-Webhook`` over the raw body and the callback URL as registered, then store."""
    headers = {"x-trello-webhook": x_trello_webhook}
    return await deliver_trello(state, connection, headers, await request.body(), lambda: str(request.url))


@router.post("/asana/{connection}", responses=_RESPONSES, summary="Asana webhook receiver and handshake")
async def receive_asana(
    connection: str,
    request: Request,
    state: StateDep,
    sub: Annotated[
        str | None,
        Query(
            max_length=SUBSCRIPTION_TOKEN_MAX,
            pattern=SUBSCRIPTION_TOKEN,
            description="Subscription token from registration",
        ),
    ] = None,
    x_hook_secret: Annotated[str | None, Header(description="Handshake: the secret to echo and keep")] = None,
    x_hook_signature: Annotated[str | None, Header(description="hex HMAC-SHA256 of the body")] = None,
) -> Response:
    """Answer the ``X-Hook-Secret`` handshake, or verify ``X-Hook-Signature`` and store the events."""
    headers = {"x-hook-secret": x_hook_secret, "x-hook-signature": x_hook_signature}
    return await deliver_asana(state, connection, headers, await request.body(), sub)


async def _handshake(state: AppState, target: ReceiverTarget, sub: str | None, secret: str) -> Response:
    """Keep the secret of a registration Baton has pending (encrypted), and echo it."""
    if sub is None or not secret or len(secret) > 500:
        return problem_response(403, "No webhook registration is pending for this handshake.")

    def store() -> bool:
        with state.database.session() as session:
            stored = session.execute(
                update(WEBHOOK_SUBSCRIPTIONS)
                .where(
                    WEBHOOK_SUBSCRIPTIONS.c.connection_id == target.connection_id,
                    WEBHOOK_SUBSCRIPTIONS.c.token == sub,
                    WEBHOOK_SUBSCRIPTIONS.c.secret_encrypted.is_(None),
                )
                .values(secret_encrypted=state.secret_box.encrypt(secret))
                .returning(WEBHOOK_SUBSCRIPTIONS.c.id)
            ).all()
            session.commit()
            return bool(stored)

    try:
        accepted = await run_in_threadpool(store)
    except SQLAlchemyError:
        return problem_response(503, "The store is unavailable; retry later.", headers={"Retry-After": "30"})
    if not accepted:
        return problem_response(403, "No webhook registration is pending for this handshake.")
    state.receivers.add_subscription_secret(Vendor.ASANA, target.name, sub, secret)
    return Response(status_code=200, headers={"X-Hook-Secret": secret})
