"""Run tap-asana 2.5.1 against a local Asana emulator; the peer's own interpreter runs this file.

    .venv-peers/tap-asana/bin/python bench/peers/launchers/tap_asana.py --config c.json --catalog sel.json

The config is tap-asana's (start_date, client_id, client_secret, redirect_uri, refresh_token) plus
`base_url` (e.g. http://127.0.0.1:8103; ASANA_BASE_URL in the environment also works). The tap hard-codes
https://app.asana.com twice, so this shim (peers.md) makes the SDK's default Configuration point at
`base_url + /api/1.0` and rewrites the OAuth token URL in `requests.post`; nothing else changes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import asana
import requests

ASANA_WEB = "https://app.asana.com"


def base_url_of(argv: list[str] | None = None) -> str:
    """`base_url` from the tap's --config file, else ASANA_BASE_URL."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--config", "-c")
    known, _ = parser.parse_known_args(argv)
    config: dict[str, Any] = {}
    if known.config:
        with open(known.config, encoding="utf-8") as handle:
            config = json.load(handle)
    base_url = config.get("base_url") or os.environ.get("ASANA_BASE_URL")
    if not base_url:
        raise SystemExit("tap_asana launcher: set base_url in the config or ASANA_BASE_URL")
    return str(base_url).rstrip("/")


def point_at(base_url: str) -> None:
    """Send the SDK and the token refresh to the emulator instead of app.asana.com."""
    configuration = asana.Configuration()
    configuration.host = base_url + "/api/1.0"
    asana.Configuration.set_default(configuration)
    original_post = requests.post

    def post(url: str, *args: Any, **kwargs: Any) -> requests.Response:
        if url.startswith(ASANA_WEB):
            url = base_url + url[len(ASANA_WEB) :]
        return original_post(url, *args, **kwargs)

    requests.post = post  # type: ignore[assignment]


def run_tap() -> None:
    """Import the real tap_asana package (not this file, which shares its name) and run it."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    importlib.import_module("tap_asana").main()


if __name__ == "__main__":
    point_at(base_url_of())
    run_tap()
