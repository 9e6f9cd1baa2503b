"""Start tap-jira 2.6.0 against a plain-http Jira emulator (run with `.venv-peers/tap-jira/bin/python`).

tap-jira's `Client.url()` strips the scheme and always prepends `https://`; this launcher patches it to keep an
`http://` base_url, then runs the tap's own `main()`. It also offers the catalog step that marks streams
selected (the tap reads `--properties`; `--catalog` is silently ignored):

    python tap_jira.py --config c.json --discover > catalog.json
    python tap_jira.py select --catalog catalog.json --streams issues,projects > properties.json
    python tap_jira.py --config c.json --properties properties.json > out.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

__all__ = ["main", "patch_plain_http", "select_streams"]


def patch_plain_http() -> None:
    """Make `Client.url` honour an `http://` base_url (https and bare hosts behave as before)."""
    from tap_jira import http

    original = http.Client.url

    def url(self: Any, path: str) -> str:
        if not self.is_cloud and str(self.base_url).startswith("http://"):
            return str(self.base_url).rstrip("/") + "/" + path.lstrip("/")
        return str(original(self, path))

    http.Client.url = url


def select_streams(catalog: dict[str, Any], streams: set[str]) -> dict[str, Any]:
    """The catalog with the top-level metadata of `streams` marked selected (others deselected)."""
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in streams
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = chosen
    return catalog


def _select(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tap_jira.py select")
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--streams", required=True, help="comma-separated stream ids")
    args = parser.parse_args(argv)
    with open(args.catalog, encoding="utf-8") as handle:
        catalog = json.load(handle)
    wanted = {s.strip() for s in re.split(r"[,\s]+", args.streams) if s.strip()}
    json.dump(select_streams(catalog, wanted), sys.stdout)
    return 0


def _unshadow() -> None:
    """Run as a script, this file's directory comes first on sys.path and its name hides the real package."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]


def main(argv: list[str] | None = None) -> int:
    """`select ...` rewrites a catalog; anything else runs the patched tap with the same arguments."""
    _unshadow()
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["select"]:
        return _select(args[1:])
    patch_plain_http()
    import tap_jira

    sys.argv = ["tap-jira", *args]
    tap_jira.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
