"""Standard Webhooks (standardwebhooks.com) verification, for Baton's internal relay path; pure.

Signature header ``webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`` (several,
space separated), key from ``whsec_<base64>``; the timestamp must be within ``tolerance`` of ``now``.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from connectors.signatures import hmac_base64, matches

__all__ = ["TOLERANCE_SECONDS", "sign_standard_webhook", "verify_standard_webhook"]

TOLERANCE_SECONDS = 300


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign_standard_webhook(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,…`` signature of one message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + hmac_base64(_key(secret), signed)


def verify_standard_webhook(
    secret: str,
    *,
    message_id: str | None,
    timestamp: str | None,
    signatures: str | None,
    body: bytes,
    now: datetime,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when one of ``signatures`` signs the message and its timestamp is within ``tolerance``."""
    if not message_id or not timestamp or not signatures:
        return False
    try:
        sent = int(timestamp)
        expected = sign_standard_webhook(secret, message_id, sent, body)
    except (ValueError, binascii.Error):
        return False
    if abs(now.timestamp() - sent) > tolerance:
        return False
    return any(matches(expected, candidate) for candidate in signatures.split())
