"""The emulate CLI, the vendor registry and the policy writer."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from emulators import registry
from emulators.cli import Options, build_served, emulate_app
from emulators.policy import RunningVendor, write_policy
from emulators.registry import get_vendor, register
from emulators.server import running_server
from tests.emulators.example_vendor import PLUGIN


def test_unknown_vendor_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # No vendor package importable and none registered: the state before a vendor exists.
    monkeypatch.setattr(registry, "BUILTIN_VENDOR_MODULES", {})
    monkeypatch.setattr(registry, "_PLUGINS", {})
    result = CliRunner().invoke(emulate_app, ["asana", "--items", "300"])
    assert result.exit_code == 2
    assert "no emulator registered for 'asana'" in result.output


def test_bad_fault_spec_is_rejected() -> None:
    result = CliRunner().invoke(emulate_app, ["all", "--faults", "teapot=1"])
    assert result.exit_code == 2
    assert "unknown fault kind" in result.output


def test_a_registered_plugin_builds_a_working_app_with_cli_options(tmp_path: Path) -> None:
    register(PLUGIN)
    assert get_vendor("example") is PLUGIN
    options = Options(items=300, faults="500=1", write_policy=tmp_path / "policy.yaml")
    served, running = build_served([("example", 8199)], options)
    assert running[0].base_url == "http://127.0.0.1:8199"
    with running_server(served[0].app) as url:
        assert httpx.get(f"{url}/_emulator/health").json()["items"] == 300
        assert httpx.get(f"{url}/rest/api/items").status_code == 500


def test_policy_file_lists_connections_with_literal_demo_credentials(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path / "out" / "policy.yaml",
        [
            RunningVendor("jira-emulator", "jira", "http://127.0.0.1:8101", {"email": "baton@example.com"}),
            RunningVendor("trello-emulator", "trello", "http://127.0.0.1:8102", {"api_key": "k"}, "emulator-secret"),
        ],
    )
    document = yaml.safe_load(path.read_text())
    assert document["connections"][0] == {
        "name": "jira-emulator",
        "vendor": "jira",
        "base_url": "http://127.0.0.1:8101",
        "credentials": {"email": "baton@example.com"},
    }
    assert document["connections"][1]["webhook_secret"] == "emulator-secret"
