"""The registered plugin: `baton emulate jira|all` build a working Jira app, the policy entry connects."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from jira import JIRA
from typer.testing import CliRunner

from emulators.cli import Options, build_served
from emulators.policy import write_policy
from emulators.registry import get_vendor
from emulators.server import ServedApp, running_server


def test_jira_is_registered_with_demo_credentials() -> None:
    plugin = get_vendor("jira")
    assert plugin.default_port == 8101
    assert plugin.credentials == {"email": "baton@example.com", "api_token": "emulator-token"}


def test_policy_entry_of_emulate_all_connects_with_the_sdk(tmp_path: Path) -> None:
    served, running = build_served([("jira", 8101)], Options(items=300, legacy_search=True))
    policy = write_policy(tmp_path / "policy.yaml", running)
    connection = yaml.safe_load(policy.read_text())["connections"][0]
    assert connection["vendor"] == "jira"
    assert connection["base_url"] == "http://127.0.0.1:8101"
    with running_server(served[0].app) as url:
        credentials = connection["credentials"]
        jira = JIRA(
            server=url, basic_auth=(credentials["email"], credentials["api_token"]), options={"rest_api_version": "3"}
        )
        assert jira.myself()["emailAddress"] == credentials["email"]
        assert (
            httpx.get(
                f"{url}/rest/api/2/search",
                auth=(credentials["email"], credentials["api_token"]),
                params={"jql": "project = X"},
            ).status_code
            == 400
        )
        assert httpx.get(f"{url}/_emulator/health").json()["items"] == 300


def test_emulate_all_options_reach_every_vendor_that_exists() -> None:
    served, running = build_served([("jira", 0)], Options(items=300))
    assert [r.vendor for r in running] == ["jira"]
    assert served[0].port == 0


def test_cli_jira_and_all_pass_their_flags_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import emulators.cli as cli
    import emulators.server as server

    served: list[list[ServedApp]] = []
    # The command imports serve_forever when it runs (the CLI starts without uvicorn): patch it where it lives.
    monkeypatch.setattr(server, "serve_forever", lambda apps, host: served.append(list(apps)))
    policy = tmp_path / "policy.yaml"
    result = CliRunner().invoke(
        cli.emulate_app, ["jira", "--items", "300", "--legacy-search", "--write-policy", str(policy)]
    )
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(policy.read_text())["connections"][0]["credentials"]["email"] == "baton@example.com"
    assert served[0][0].port == 8101
    runs: list[tuple[list[tuple[str, int]], Options]] = []
    monkeypatch.setattr(cli, "_run", lambda ports, options: runs.append((ports, options)))
    result = CliRunner().invoke(cli.emulate_app, ["all", "--items", "300", "--legacy-search"])
    assert result.exit_code == 0, result.output
    ports, options = runs[0]
    assert [name for name, _ in ports] == ["jira", "trello", "asana"]
    assert options.legacy_search
    assert options.items == 300
