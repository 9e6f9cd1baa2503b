"""The plugin: `baton emulate asana|all` find it, flags reach it, the policy writer lists a working connection."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml
from typer.testing import CliRunner

from core.policy import load_policy
from emulators.asana import PLUGIN
from emulators.asana.settings import AsanaPlan
from emulators.cli import Options, build_served, emulate_app
from emulators.policy import write_policy
from emulators.registry import get_vendor, registered
from emulators.server import running_server


def test_the_registry_finds_the_asana_plugin() -> None:
    assert get_vendor("asana") is PLUGIN
    assert "asana" in registered()
    assert PLUGIN.default_port == 8103


def test_cli_options_reach_the_app_and_the_policy_lists_a_working_connection(tmp_path: Path) -> None:
    options = Options(items=300, asana_plan="free", asana_token="tok-1", write_policy=tmp_path / "policy.yaml")
    served, running = build_served([("asana", 8103)], options)
    app = served[0].app
    assert app.state.asana.settings.plan is AsanaPlan.FREE  # type: ignore[attr-defined]
    assert running[0].credentials == {"token": "tok-1"}  # the policy's key for an Asana token
    connection = {
        "name": "asana-emulator",
        "vendor": "asana",
        "base_url": "http://127.0.0.1:8103",
        "credentials": {"token": "tok-1"},
    }
    policy_file = write_policy(tmp_path / "policy.yaml", running)
    document = yaml.safe_load(policy_file.read_text())
    assert document["connections"] == [connection]
    assert load_policy(policy_file).policy.connection("asana-emulator") is not None  # `baton sync` can read it
    with running_server(app) as url:
        me = httpx.get(f"{url}/api/1.0/users/me", headers={"Authorization": "Bearer tok-1"})
        assert me.status_code == 200
        assert (
            httpx.get(f"{url}/api/1.0/users/me", headers={"Authorization": "Bearer emulator-token"}).status_code == 401
        )


def test_the_plan_flag_is_offered_and_checked() -> None:
    result = CliRunner().invoke(emulate_app, ["asana", "--asana-plan", "gold"])
    assert result.exit_code == 2
    assert "--asana-plan" in result.output
