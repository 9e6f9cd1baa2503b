"""The `baton` command line (Typer): one module per command group, assembled in :func:`build_cli`.

Start-up stays quick because command modules import only Typer, Rich and light ``core`` modules at module level;
the store (SQLModel/SQLAlchemy), Alembic, FastAPI, numpy and the vendor SDKs are imported inside the commands
that use them (types only under ``TYPE_CHECKING``). tests/cli/test_import_hygiene.py enforces it.
"""

from cli.app import build_cli

__all__ = ["build_cli"]
