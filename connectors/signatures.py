"""Constant-time HMAC checks shared by the vendors' webhook verifiers. Pure functions over raw bytes."""

from __future__ import annotations

import base64
import hmac

__all__ = ["hmac_base64", "hmac_hex", "matches", "trello_signed_bytes"]


def hmac_hex(secret: bytes, message: bytes, digest: str = "sha256") -> str:
    """Lower-case hex HMAC of ``message`` (``hmac.digest``: OpenSSL's one-shot, no HMAC object per call)."""
    return hmac.digest(secret, message, digest).hex()


def hmac_base64(secret: bytes, message: bytes, digest: str = "sha256") -> str:
    """Base64 HMAC of ``message``."""
    return base64.b64encode(hmac.digest(secret, message, digest)).decode("ascii")


def matches(expected: str, received: str) -> bool:
    """Compare two signatures in constant time (ASCII only; anything else never matches)."""
    try:
        return hmac.compare_digest(expected.encode("ascii"), received.encode("ascii"))
    except UnicodeEncodeError:
        return False


def trello_signed_bytes(text: str) -> bytes:
    """The bytes Trello signs: each UTF-16 code unit of ``text`` cut to its low 8 bits (Node "binary")."""
    return text.encode("utf-16-le")[0::2]
