"""The `baton` command line (Typer): one module per command group, assembled in :func:`build_cli`."""

from cli.app import build_cli

__all__ = ["build_cli"]
