"""`baton rules list` and `baton rules run`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli import build_cli
from models.db import Database
from tests.rules.builders import DAY, NOW, POLICY, Store, jira_item


def invoke(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(build_cli(), list(args), env=env)
    return result.exit_code, result.stdout + result.stderr


def test_rules_list_shows_every_rule_with_thresholds_in_force(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY + "rules:\n  R02: {days: 7, teams: {web: {days: 3}}}\n  R19: {enabled: false}\n")
    code, out = invoke("--policy", str(policy), "rules", "list", env={})
    assert code == 0, out
    for rule in range(1, 21):
        assert f"R{rule:02d}" in out
    assert "days=7" in out
    assert "teams: web" in out
    assert "backlog_days=90" in out
    assert "no" in out  # R19 disabled


def test_rules_run_prints_a_summary_table(database: Database, database_url: str, tmp_path: Path) -> None:
    Store(database).put(jira_item(1, created_at=NOW - 60 * DAY, estimate=None))
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    env = {"BATON_DATABASE_URL": database_url}
    code, out = invoke("--policy", str(policy), "rules", "run", "--now", NOW.isoformat(), env=env)
    assert code == 0, out
    assert "Rules run (all teams): 1 items" in out
    assert "R01" in out
    assert "stale" in out
    assert "R05" in out
    code, out = invoke("--policy", str(policy), "rules", "run", "--team", "web", "--rule", "R01,R02", env=env)
    assert code == 0, out
    assert "team web" in out
    code, out = invoke("--policy", str(policy), "rules", "run", "--team", "nope", env=env)
    assert code == 2
    assert "unknown team 'nope'" in out
    code, out = invoke("--policy", str(policy), "rules", "run", "--rule", "R99", env=env)
    assert code == 2
    assert "unknown rule" in out
