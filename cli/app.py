"""The root `baton` command and its global options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.apikey import apikey_app
from cli.context import CliContext
from cli.db import db_app
from cli.demo import demo
from cli.policy import policy_app
from cli.report import report_command
from cli.rules import rules_app
from cli.secrets import secrets_app
from cli.serve import serve
from cli.sync import sync_command
from cli.webhooks import webhooks_app
from cli.worker import worker
from core.version import baton_version
from emulators.cli import emulate_app

__all__ = ["build_cli"]


def _version() -> None:
    """Print Baton's version."""
    typer.echo(f"baton {baton_version()}")


def build_cli() -> typer.Typer:
    """Assemble every command group."""
    app = typer.Typer(
        name="baton",
        help="Baton: every backlog from Jira, Trello and Asana in one store, checked against your process.",
        no_args_is_help=True,
        rich_markup_mode="rich",
    )

    @app.callback()
    def root(
        ctx: typer.Context,
        policy: Annotated[
            Path | None,
            typer.Option(
                "--policy", envvar="BATON_POLICY", help="The policy file (YAML).", dir_okay=False, show_default=False
            ),
        ] = None,
    ) -> None:
        """Global options, applied before any command runs."""
        ctx.obj = CliContext(policy=policy)

    app.command("version")(_version)
    app.command("serve")(serve)
    app.command("sync")(sync_command)
    app.command("report")(report_command)
    app.command("demo")(demo)
    app.command("worker")(worker)
    app.add_typer(db_app, name="db")
    app.add_typer(apikey_app, name="apikey")
    app.add_typer(policy_app, name="policy")
    app.add_typer(webhooks_app, name="webhooks")
    app.add_typer(secrets_app, name="secrets")
    app.add_typer(rules_app, name="rules")
    app.add_typer(emulate_app, name="emulate")
    return app
