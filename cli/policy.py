"""`baton policy`: check the policy file, print its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import cli_context

if TYPE_CHECKING:
    from core.policy import LoadedPolicy

__all__ = ["policy_app"]

policy_app = typer.Typer(help="The policy file: check it, print its JSON Schema.", no_args_is_help=True)

EXIT_INVALID = 1
EXIT_MISSING = 2


@policy_app.command("schema")
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schema to this file instead of printing it.")
    ] = None,
) -> None:
    """Print the policy file's JSON Schema (for editors, e.g. VS Code's YAML extension)."""
    from core.policy import policy_json_schema

    text = json.dumps(policy_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"JSON Schema written to {output}", err=True)


def _summary(loaded: LoadedPolicy) -> str:
    """One line: what the policy defines."""
    policy = loaded.policy
    connections = ", ".join(f"{c.name} ({c.vendor})" for c in policy.connections) or "none"
    enabled = len(policy.rules.enabled_ids())
    return (
        f"{len(policy.connections)} connection(s): {connections}; {len(policy.teams)} team(s); "
        f"{enabled} of 20 rules enabled"
    )


@policy_app.command("check")
def check(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The policy file (default: --policy, or BATON_POLICY).",
            metavar="FILE",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check a policy file: print "policy OK" and a summary, or every problem as file:line:column: message."""
    from core.policy import PolicyError, PolicyFileMissing, load_policy_file

    path = file if file is not None else cli_context(ctx).settings.policy
    if path is None:
        typer.echo("No policy file: pass FILE, or set --policy / BATON_POLICY.", err=True)
        raise typer.Exit(EXIT_MISSING)
    try:
        loaded = load_policy_file(path)
    except PolicyFileMissing as error:
        typer.echo(f"{error.source}: policy file not found", err=True)
        raise typer.Exit(EXIT_MISSING) from None
    except PolicyError as error:
        for problem in error.problems:
            typer.echo(str(problem))
        count = len(error.problems)
        typer.echo(f"policy has {count} error{'s' if count != 1 else ''}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    typer.echo(f"policy OK: {path}")
    typer.echo(_summary(loaded))
    for warning in loaded.warnings:
        typer.echo(str(warning))
    if loaded.warnings:
        typer.echo(f"{len(loaded.warnings)} warning(s)")
