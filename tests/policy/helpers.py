"""Shared helpers of the policy tests: the example's path, running `baton`, and locating a problem."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli import build_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "policy.yaml"
BATON = shutil.which("baton", path=str(Path(sys.executable).parent)) or "baton"

EMULATOR_POLICY = """\
connections:
  - name: jira
    vendor: jira
    base_url: http://127.0.0.1:8101
    credentials:
      email: baton@example.com
      api_token: emulator-token
  - name: trello
    vendor: trello
    base_url: http://127.0.0.1:8102
    credentials:
      api_key: emulator-key
      token: emulator-token
      app_secret: emulator-secret
  - name: asana
    vendor: asana
    base_url: http://127.0.0.1:8103
    credentials:
      token: emulator-token
"""


def run_baton(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `baton` console script."""
    environment = {key: value for key, value in os.environ.items() if key != "BATON_POLICY"}
    return subprocess.run(
        [BATON, *args], capture_output=True, text=True, env={**environment, **(env or {})}, cwd=cwd, timeout=120
    )


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `baton` in this process (faster); exit code, stdout, stderr."""
    result = CliRunner().invoke(build_cli(), list(args), env={"BATON_POLICY": None, **(env or {})})  # type: ignore[dict-item]
    return result.exit_code, result.stdout, result.stderr
