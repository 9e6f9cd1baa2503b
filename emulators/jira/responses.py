"""Compact JSON responses that skip FastAPI's per-value encoder (ten times slower on big issue pages)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

__all__ = ["json_body"]


def json_body(payload: Any, status_code: int = 200) -> Response:
    """Serialise an already JSON-ready payload with the standard library."""
    return Response(json.dumps(payload, separators=(",", ":")), status_code=status_code, media_type="application/json")
