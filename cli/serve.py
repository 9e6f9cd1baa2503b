"""`baton serve`: the API, webhook receivers and dashboard (and, later, the scheduler) in one process."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from cli.context import cli_context

__all__ = ["serve"]

console = Console(stderr=True)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, envvar="BATON_WORKERS", help="Uvicorn worker processes.")] = 1,
    scheduler: Annotated[
        bool, typer.Option("--scheduler/--no-scheduler", help="Run scheduled syncs, sweeps and reports.")
    ] = True,
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate",
            help="Apply pending migrations before serving (SQLite only; on PostgreSQL run `baton db upgrade`).",
        ),
    ] = True,
) -> None:
    """Serve Baton over HTTP."""
    import uvicorn

    import migrations

    context = cli_context(ctx)
    settings = context.settings
    if migrate and settings.dialect == "sqlite":
        database = context.open_database()
        try:
            migrations.upgrade_to_head(database.engine)
        finally:
            database.dispose()
    # Worker processes build their own settings from the environment: hand the options over that way.
    os.environ["BATON_SCHEDULER"] = "true" if scheduler else "false"
    if context.policy is not None:
        os.environ["BATON_POLICY"] = str(context.policy)
    console.print(f"Baton on http://{host}:{port}  (store: {settings.dialect}, scheduler: {scheduler})")
    uvicorn.run(
        "main:app", host=host, port=port, workers=workers, log_level=settings.log_level.lower(), proxy_headers=True
    )
