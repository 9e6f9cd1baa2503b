"""`baton db`: the store's schema."""

from __future__ import annotations

import typer
from rich.console import Console

from cli.context import cli_context

__all__ = ["db_app"]

db_app = typer.Typer(help="Manage the store's schema (Alembic migrations).", no_args_is_help=True)
console = Console()


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration to the store named by BATON_DATABASE_URL."""
    import migrations
    from models.db import sqlite_file_path

    context = cli_context(ctx)
    database = context.open_database()
    try:
        before = migrations.current_revision(database.engine)
        migrations.upgrade_to_head(database.engine)
        after = migrations.current_revision(database.engine)
    finally:
        database.dispose()
    where = sqlite_file_path(context.settings.database_url) or database.dialect
    if before == after:
        console.print(f"[green]Store already at revision {after}[/] ({where}).")
    else:
        console.print(f"[green]Store upgraded[/] from {before or 'empty'} to {after} ({where}).")


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the store's migration revision and the newest one this Baton ships."""
    import migrations

    database = cli_context(ctx).open_database()
    try:
        revision = migrations.current_revision(database.engine)
    finally:
        database.dispose()
    head = migrations.head_revision()
    state = "up to date" if revision == head else "needs `baton db upgrade`"
    console.print(f"current: {revision or 'empty'}  head: {head}  ({state})")
