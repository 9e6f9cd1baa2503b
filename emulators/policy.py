"""Write a Baton policy file listing the running emulators as connections (literal demo credentials)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["RunningVendor", "policy_document", "write_policy"]


@dataclass(frozen=True)
class RunningVendor:
    """One running emulator as a connection."""

    name: str
    vendor: str
    base_url: str
    credentials: dict[str, str] = field(default_factory=dict)
    webhook_secret: str | None = None


def policy_document(vendors: Sequence[RunningVendor]) -> dict[str, object]:
    """The policy mapping: `connections:` with name, vendor, base_url, credentials (and webhook_secret)."""
    connections: list[dict[str, object]] = []
    for running in vendors:
        connection: dict[str, object] = {
            "name": running.name,
            "vendor": running.vendor,
            "base_url": running.base_url,
            "credentials": dict(running.credentials),
        }
        if running.webhook_secret is not None:
            connection["webhook_secret"] = running.webhook_secret
        connections.append(connection)
    return {"connections": connections}


def write_policy(path: Path, vendors: Sequence[RunningVendor]) -> Path:
    """Write the policy YAML for the running vendors to `path` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Written by `baton emulate`: connections to local emulators with demo credentials.\n"
    text += yaml.safe_dump(policy_document(vendors), sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path
