"""`baton report` in process: formats, --out, --deliver, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli import build_cli
from models.db import Database
from tests.reporting.receivers import slack_receiver
from tests.reporting.seed import REPORT_POLICY, seed_store


def invoke(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_cli(), list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_report_command_formats_out_file_delivery_and_errors(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    seed_store(database)
    policy = tmp_path / "policy.yaml"
    policy.write_text(REPORT_POLICY + "report:\n  delivery:\n    slack: {webhook_url: {env: SLACK_URL}}\n")
    with slack_receiver() as slack:
        env = {"BATON_DATABASE_URL": database_url, "SLACK_URL": slack.url}
        base = ("--policy", str(policy), "report", "--date", "2026-03-04")
        code, out, err = invoke(*base, "--format", "json", env=env)
        assert code == 0, err
        assert json.loads(out)["report_date"] == "2026-03-04"
        assert "report 2026-03-04 (*): built, storing" in err
        code, out, err = invoke(*base, "--team", "web", "--out", str(tmp_path / "web.md"), "--deliver", env=env)
        assert code == 0, err
        assert out == ""
        assert (tmp_path / "web.md").read_text().startswith("# Backlog hygiene, 2026-03-04 (team web)")
        assert "delivery to slack: delivered" in err
        assert len(slack.posts) == 1
        code, _, err = invoke(*base, "--deliver", env={**env, "SLACK_URL": ""})
        assert code == 1
        assert "delivery to slack: failed" in err
        assert "SLACK_URL is not set" in err
    code, _, err = invoke(*base, "--team", "ops", env=env)
    assert code == 2
    assert "unknown team 'ops'" in err
    code, _, err = invoke("--policy", str(policy), "report", "--date", "yesterday", env=env)
    assert code == 2
    assert "is not a date: use YYYY-MM-DD" in err
