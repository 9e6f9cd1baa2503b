"""Admin webhooks: Jira's delivery profile (X-Hub-Signature, identifier, retry count) and the fan-out that
turns every store change (API, activity simulator, control-API mutations) into `jira:issue_*` deliveries."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from emulators.events import ChangeEvent, ChangeKind
from emulators.jira.changelog import change_items, comment_json
from emulators.jira.context import JiraContext
from emulators.jira.errors import JiraApiError
from emulators.jira.fields import FieldSelection
from emulators.jira.jql import JqlError
from emulators.org.model import EventKind, event_serial
from emulators.signing import jira_hub_signature
from emulators.webhooks import Subscription, WebhookProfile

__all__ = ["FILTER_KEY", "ISSUE_EVENTS", "JIRA_WEBHOOKS", "fan_out", "matches_filter"]

log = logging.getLogger(__name__)

FILTER_KEY = "issue-related-events-section"
ISSUE_EVENTS = frozenset({"jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created"})
_EVENT_TYPE_NAMES = {
    EventKind.CREATED: "issue_created",
    EventKind.DELETED: "issue_deleted",
    EventKind.COMMENT: "issue_commented",
    EventKind.STATUS: "issue_generic",
    EventKind.ASSIGNEE: "issue_assigned",
}


def sign(subscription: Subscription, body: bytes) -> dict[str, str]:
    """X-Hub-Signature (WebSub form) when the webhook has a secret; unsigned otherwise."""
    return {"X-Hub-Signature": jira_hub_signature(subscription.secret, body)} if subscription.secret else {}


def delivery_headers(_: Subscription, delivery_id: str, attempt: int) -> dict[str, str]:
    """The identifier stays the same across retries; the retry count appears only on retries."""
    headers = {"X-Atlassian-Webhook-Identifier": delivery_id, "X-Atlassian-Webhook-Flow": "Primary"}
    if attempt > 1:
        headers["X-Atlassian-Webhook-Retry"] = str(attempt - 1)
    return headers


# Retried on 408, 409, 425, 429, 5xx, connection failures and timeouts: 5 retries, 5 to 15 minutes apart
# (compressed by --webhook-time-scale).
JIRA_WEBHOOKS = WebhookProfile(
    vendor="jira",
    sign=sign,
    retry_delays=(300.0, 600.0, 900.0, 900.0, 900.0),
    attempt_timeout=10.0,
    headers=delivery_headers,
    user_agent="Atlassian Webhook HTTP Client",
)


def matches_filter(ctx: JiraContext, subscription: Subscription, change: ChangeEvent) -> bool:
    """Whether the changed issue satisfies the webhook's JQL filter (no filter: every issue)."""
    filters = subscription.data.get("filters")
    jql = filters.get(FILTER_KEY) if isinstance(filters, dict) else None
    if not jql:
        return True
    subject = change.before if change.kind is ChangeKind.DELETED and change.before is not None else change.after
    try:
        _, criteria = ctx.parse(str(jql), require_bound=False)
    except JiraApiError:
        return False
    return ctx.engine.item_matches(criteria, subject)


def _event_names(change: ChangeEvent) -> list[str]:
    if change.kind is ChangeKind.CREATED:
        return ["jira:issue_created"]
    if change.kind is ChangeKind.DELETED:
        return ["jira:issue_deleted"]
    if change.event.kind is EventKind.COMMENT:
        return ["comment_created", "jira:issue_updated"]
    return ["jira:issue_updated"]


def payload(ctx: JiraContext, change: ChangeEvent, event_name: str) -> dict[str, Any]:
    """The JSON body Jira sends for one change."""
    view = ctx.site_view(2)
    store = ctx.runtime.store
    subject = change.before if change.kind is ChangeKind.DELETED and change.before is not None else change.after
    issue = view.issue(store, subject, FieldSelection.parse(["*navigable"]))
    body: dict[str, Any] = {
        "timestamp": int(change.event.at * 1000),
        "webhookEvent": event_name,
        "issue_event_type_name": _EVENT_TYPE_NAMES.get(change.event.kind, "issue_updated"),
        "user": view.user(change.event.author),
        "issue": issue,
    }
    if change.kind is ChangeKind.UPDATED:
        items = change_items(view, change.event)
        if items:
            body["changelog"] = {"id": str(event_serial(change.after.index, change.event.number)), "items": items}
    if change.event.kind is EventKind.COMMENT:
        body["comment"] = comment_json(view, change.after, change.event)
    return body


def fan_out(ctx: JiraContext, change: ChangeEvent) -> None:
    """Enqueue one delivery per (subscribed event, matching webhook); never raises into the writer."""
    worker = ctx.runtime.webhooks
    if worker is None:
        return
    try:
        subscriptions = worker.registry.active()
        if not subscriptions:
            return
        bodies: dict[str, bytes] = {}
        for subscription in subscriptions:
            events = subscription.data.get("events")
            if not isinstance(events, list):
                continue
            for name in _event_names(change):
                if name not in events or not matches_filter(ctx, subscription, change):
                    continue
                if subscription.data.get("excludeBody"):
                    body = b""
                else:
                    if name not in bodies:
                        bodies[name] = json.dumps(payload(ctx, change, name), separators=(",", ":")).encode()
                    body = bodies[name]
                worker.enqueue(subscription.id, body, str(uuid.uuid4()))
    except Exception:  # a webhook must never fail the write that caused it
        log.exception("jira webhook fan-out failed")


def validate_filter(ctx: JiraContext, filters: Any) -> dict[str, str]:
    """Check a webhook's JQL filter now (400 if Jira would refuse it)."""
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise JiraApiError(400, ["Invalid request payload. Refer to the REST API documentation and try again."])
    jql = filters.get(FILTER_KEY)
    if jql:
        try:
            ctx.parse(str(jql), require_bound=False)
        except JqlError as error:  # pragma: no cover - ctx.parse already translates
            raise JiraApiError(400, [str(error)]) from error
    return {str(k): str(v) for k, v in filters.items()}
