"""`baton secrets`: encryption keys for tokens and webhook secrets stored in the database."""

from __future__ import annotations

import typer
from rich.console import Console

from cli.context import cli_context

__all__ = ["secrets_app"]

secrets_app = typer.Typer(help="Encryption keys of the secrets Baton stores (Fernet).", no_args_is_help=True)
console = Console(stderr=True)


@secrets_app.command("new-key")
def new_key() -> None:
    """Print a new key: put it first in BATON_SECRET_KEYS (keep the old ones after it), then rotate."""
    from core.crypto import generate_key

    typer.echo(generate_key())


@secrets_app.command("rotate")
def rotate(ctx: typer.Context) -> None:
    """Re-encrypt every stored secret with the first key of BATON_SECRET_KEYS (old keys may then be dropped)."""
    from api.lifecycle import build_secret_box
    from core.crypto import InvalidToken
    from sync.secrets import rotate_stored_secrets

    context = cli_context(ctx)
    database = context.open_database()
    try:
        count = rotate_stored_secrets(database, build_secret_box(context.settings))
    except InvalidToken as error:
        console.print("[red]A stored secret opens with none of the keys in BATON_SECRET_KEYS; nothing was lost.[/]")
        raise typer.Exit(1) from error
    finally:
        database.dispose()
    console.print(f"{count} stored secret(s) re-encrypted with the newest key.")
