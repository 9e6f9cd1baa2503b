"""Fixtures: the whole stack (emulators + Baton over HTTP) and the `baton` CLI run in-process against it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.app import build_cli
from tests.webhooks_e2e.stack import Stack, running_stack

Baton = Callable[..., Result]


@pytest.fixture
def stack(empty_database_url: str, tmp_path: Path) -> Iterator[Stack]:
    """Jira, Trello and Asana emulators and Baton (inbox worker on, no scheduler) on ephemeral ports."""
    with running_stack(empty_database_url, tmp_path) as running:
        yield running


def baton_runner(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Baton:
    """`baton ...` in-process with the stack's database, policy, public URL and keys."""
    for name, value in stack.cli_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BATON_DATABASE_URL", str(stack.database.engine.url.render_as_string(hide_password=False)))
    monkeypatch.setenv("BATON_POLICY", str(stack.policy_path))
    monkeypatch.setenv("COLUMNS", "250")  # Rich tables on one line each
    cli = build_cli()
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def baton(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Baton:
    """Run a `baton` command against the stack."""
    return baton_runner(stack, monkeypatch)
