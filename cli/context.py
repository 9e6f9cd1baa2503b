"""What every command receives: the settings, built on first use with the global options applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from core.policy import Policy
    from core.settings import Settings
    from models.db import Database

__all__ = ["CliContext", "cli_context", "load_cli_policy"]


@dataclass
class CliContext:
    """Global options, and the settings and store built from them when a command first asks."""

    policy: Path | None = None
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """The settings: environment and ``.env``, then the global options on top."""
        if self._settings is None:
            from core.settings import Settings

            overrides = {"policy": self.policy} if self.policy is not None else {}
            self._settings = Settings(**overrides)  # type: ignore[arg-type]
        return self._settings

    def open_database(self) -> Database:
        """Connect to the store named by the settings."""
        from models.db import Database

        settings = self.settings
        return Database.from_url(
            settings.database_url,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            pool_size=settings.db_pool_size,
        )


def cli_context(ctx: typer.Context) -> CliContext:
    """The :class:`CliContext` the root callback stored."""
    obj = ctx.find_root().obj
    if not isinstance(obj, CliContext):
        obj = CliContext()
        ctx.find_root().obj = obj
    return obj


def load_cli_policy(ctx: typer.Context) -> Policy:
    """The policy the settings name (the defaults when none is named); a missing file exits 2, an invalid one
    prints every problem with its line and column and exits 1."""
    from core.policy import Policy, PolicyError, PolicyFileMissing, load_policy_file

    path = cli_context(ctx).settings.policy
    if path is None:
        return Policy()
    try:
        return load_policy_file(path).policy
    except PolicyFileMissing as error:
        typer.echo(f"{error.source}: policy file not found", err=True)
        raise typer.Exit(2) from None
    except PolicyError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
