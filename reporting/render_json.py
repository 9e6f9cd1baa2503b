"""The JSON form of a report (for machines) and its content hash."""

from __future__ import annotations

import hashlib
import json

from reporting.data import ReportData

__all__ = ["content_hash", "render_json"]


def render_json(data: ReportData) -> str:
    """Canonical JSON: sorted keys, two-space indent, UTF-8 text, trailing newline (same data, same bytes)."""
    return json.dumps(data.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def content_hash(data: ReportData) -> str:
    """SHA-256 (hex) of the canonical JSON: equal for equal reports."""
    return hashlib.sha256(render_json(data).encode()).hexdigest()
