"""Trello webhooks: ``X-Trello-Webhook`` = base64 HMAC-SHA1(app secret, body + callback URL); pure."""

from __future__ import annotations

import json
from collections.abc import Mapping

from connectors.records import WebhookDelivery
from connectors.signatures import hmac_base64, matches, trello_signed_bytes

__all__ = ["CARD_ACTIONS", "parse_trello_webhook", "verify_trello_signature"]

CARD_ACTIONS = frozenset(
    {
        "createCard",
        "updateCard",
        "deleteCard",
        "commentCard",
        "copyCard",
        "moveCardToBoard",
        "moveCardFromBoard",
        "addMemberToCard",
        "removeMemberFromCard",
        "addLabelToCard",
        "removeLabelFromCard",
        "updateCustomFieldItem",
        "convertToCardFromCheckItem",
    }
)


def verify_trello_signature(header: str | None, body: bytes, callback_url: str, app_secret: str) -> bool:
    """True when ``header`` signs the raw ``body`` followed by the callback URL exactly as registered."""
    if not header or not app_secret:
        return False
    try:
        text = body.decode("utf-8") + callback_url
    except UnicodeDecodeError:
        return False
    expected = hmac_base64(app_secret.encode("utf-8"), trello_signed_bytes(text), "sha1")
    return matches(expected, header.strip())


def parse_trello_webhook(headers: Mapping[str, str], body: bytes) -> tuple[WebhookDelivery, ...]:
    """One delivery per action, identified by the action id."""
    payload = json.loads(body)
    action = payload.get("action") if isinstance(payload, dict) else None
    if not isinstance(action, dict) or not action.get("id"):
        raise ValueError("a Trello webhook body carries an action with an id")
    action_type = str(action.get("type") or "unknown")
    data = action.get("data") if isinstance(action.get("data"), dict) else {}
    card = data.get("card") if isinstance(data, dict) else None
    card_id = card.get("id") if isinstance(card, dict) else None
    return (
        WebhookDelivery(
            delivery_id=str(action["id"]),
            event_type=action_type,
            entity_external_id=str(card_id) if card_id else None,
            ignored=action_type not in CARD_ACTIONS or not card_id,
        ),
    )
