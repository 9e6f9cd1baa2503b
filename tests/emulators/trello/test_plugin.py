"""`baton emulate trello`: the registry finds the plugin and the policy file holds a working connection."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from emulators.cli import Options, build_served
from emulators.policy import write_policy
from emulators.registry import discover_vendors
from emulators.server import running_server
from emulators.trello import PLUGIN


def test_the_plugin_is_discovered_and_its_policy_connection_works(tmp_path: Path) -> None:
    assert discover_vendors()["trello"] is PLUGIN
    served, running = build_served([("trello", 8102)], Options(items=300))
    connection = yaml.safe_load(write_policy(tmp_path / "policy.yaml", running).read_text())["connections"][0]
    assert connection["vendor"] == "trello"
    assert connection["base_url"] == "http://127.0.0.1:8102"
    credentials = connection["credentials"]
    assert credentials == {"api_key": "emulator-key", "token": "emulator-token", "app_secret": "emulator-secret"}
    with running_server(served[0].app) as url:
        auth = {"key": credentials["api_key"], "token": credentials["token"]}
        assert httpx.get(f"{url}/1/members/me", params=auth).json()["id"]
        assert httpx.get(f"{url}/_emulator/health").json()["vendor"] == "trello"
