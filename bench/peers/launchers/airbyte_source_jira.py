"""Run airbyte-source-jira 4.0.0 against a plain-http Jira emulator (run with its own venv's python).

The manifest hard-codes ``url_base: "https://{{ config['domain'] }}/rest/..."``; this launcher rewrites that
prefix to ``{{ config['base_url'] }}`` when the CDK parses the manifest, so a config with
``"base_url": "http://127.0.0.1:8101"`` reaches the emulator. It also builds the configured catalog:

    python airbyte_source_jira.py discover --config c.json > catalog.json
    python airbyte_source_jira.py select --catalog catalog.json --streams issues,projects > configured.json
    python airbyte_source_jira.py read --config c.json --catalog configured.json > out.jsonl

The emulator must serve the legacy ``/rest/api/3/search`` (``baton emulate jira --legacy-search``), which this
connector still calls.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

HTTPS_DOMAIN = "https://{{ config['domain'] }}"
BASE_URL = "{{ config['base_url'] }}"


def configured_catalog(catalog: dict[str, Any], streams: set[str]) -> dict[str, Any]:
    """A configured catalog that reads ``streams`` in full-refresh mode."""
    return {
        "streams": [
            {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
            for stream in catalog["streams"]
            if stream["name"] in streams
        ]
    }


def _select(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="airbyte_source_jira.py select")
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--streams", required=True)
    args = parser.parse_args(argv)
    lines = Path(args.catalog).read_text().splitlines()
    message = next(json.loads(line) for line in lines if line.startswith("{") and '"CATALOG"' in line)
    wanted = {name.strip() for name in args.streams.split(",") if name.strip()}
    json.dump(configured_catalog(message["catalog"], wanted), sys.stdout)
    return 0


def _patch_manifest() -> None:
    from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

    original = YamlDeclarativeSource._parse

    def parse(text: str) -> Any:
        return original(text.replace(HTTPS_DOMAIN, BASE_URL))

    YamlDeclarativeSource._parse = staticmethod(parse)  # type: ignore[method-assign]


def main() -> int:
    if sys.argv[1:2] == ["select"]:
        return _select(sys.argv[2:])
    _patch_manifest()
    from source_jira.run import run

    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
