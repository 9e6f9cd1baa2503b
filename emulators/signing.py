"""Pure webhook signing functions for the three vendors (the same maths a receiver uses to verify)."""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = [
    "asana_signature",
    "jira_hub_signature",
    "trello_binary_string",
    "trello_signature",
    "verify_asana_signature",
    "verify_jira_hub_signature",
    "verify_trello_signature",
]


def trello_binary_string(text: str) -> bytes:
    """Encode text as Node's "binary" string: each UTF-16 code unit truncated to its low 8 bits."""
    units = text.encode("utf-16-le", "surrogatepass")
    return bytes(units[i] for i in range(0, len(units), 2))


def trello_signature(app_secret: str, body: bytes, callback_url: str) -> str:
    """Return X-Trello-Webhook: base64 HMAC-SHA1(app secret, body + callbackURL) as a binary string."""
    text = body.decode("utf-8") + callback_url
    digest = hmac.new(trello_binary_string(app_secret), trello_binary_string(text), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_trello_signature(app_secret: str, body: bytes, callback_url: str, header: str) -> bool:
    """Check an X-Trello-Webhook header in constant time."""
    return hmac.compare_digest(trello_signature(app_secret, body, callback_url), header)


def jira_hub_signature(secret: str, body: bytes) -> str:
    """Return Jira's admin-webhook X-Hub-Signature: `sha256=` + hex HMAC-SHA256(secret, raw body)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_jira_hub_signature(secret: str, body: bytes, header: str) -> bool:
    """Check an X-Hub-Signature header (method prefix parsed, only sha256 accepted) in constant time."""
    method, _, signature = header.partition("=")
    expected = jira_hub_signature(secret, body).partition("=")[2]
    return method == "sha256" and hmac.compare_digest(expected, signature)


def asana_signature(hook_secret: str, body: bytes) -> str:
    """Return X-Hook-Signature: lowercase hex HMAC-SHA256(X-Hook-Secret, raw body)."""
    return hmac.new(hook_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_asana_signature(hook_secret: str, body: bytes, header: str) -> bool:
    """Check an X-Hook-Signature header in constant time."""
    return hmac.compare_digest(asana_signature(hook_secret, body), header)
