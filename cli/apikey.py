"""`baton apikey`: create and revoke API keys."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from cli.context import cli_context

__all__ = ["RoleChoice", "apikey_app"]


class RoleChoice(StrEnum):
    """``--role``: models.enums.ApiKeyRole's values, spelled out here so that `--help` need not import the store
    (models imports sqlmodel); tests/cli/test_import_hygiene.py checks the two agree."""

    VIEWER = "viewer"
    ADMIN = "admin"


apikey_app = typer.Typer(help="Create and revoke API keys for the REST API and the dashboard.", no_args_is_help=True)
err = Console(stderr=True)


@apikey_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Who or what the key is for.")],
    role: Annotated[
        RoleChoice, typer.Option("--role", help="viewer (read) or admin (read and change).")
    ] = RoleChoice.VIEWER,
    team: Annotated[
        list[str] | None,
        typer.Option(
            "--team",
            help="Limit a viewer key to this team's data (repeatable); without it the key sees the whole organisation.",
        ),
    ] = None,
) -> None:
    """Create a key and print it as the last line (it is shown only once)."""
    from api.auth.keys import create_api_key
    from models.enums import ApiKeyRole

    database = cli_context(ctx).open_database()
    try:
        issued = create_api_key(database, name=name, role=ApiKeyRole(role), teams=team or None)
    except ValueError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    finally:
        database.dispose()
    scope = f" limited to {', '.join(issued.teams)}" if issued.teams else ""
    err.print(
        f"Created {issued.role} key #{issued.id} for {issued.name!r}{scope}. Store it now: it is not shown again."
    )
    typer.echo(issued.secret)


@apikey_app.command("revoke")
def revoke(ctx: typer.Context, key_id: Annotated[int, typer.Argument(help="The key's id.")]) -> None:
    """Revoke a key by id."""
    from api.auth.keys import revoke_api_key

    database = cli_context(ctx).open_database()
    try:
        revoked = revoke_api_key(database, key_id)
    finally:
        database.dispose()
    if not revoked:
        err.print(f"No live key #{key_id}.")
        raise typer.Exit(1)
    err.print(f"Key #{key_id} revoked.")
