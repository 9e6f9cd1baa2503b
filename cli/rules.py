"""`baton rules`: list the rule catalogue with the thresholds in force, run the rules over the store."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.context import cli_context, load_cli_policy
from core.timeutil import as_utc, utc_now

if TYPE_CHECKING:
    from core.policy import RuleId, RuleSettings
    from sync.rules.evaluate import EvaluationSummary

__all__ = ["describe_thresholds", "rules_app"]

rules_app = typer.Typer(help="The rule catalogue (R01-R20): list it, run it over the store.", no_args_is_help=True)
console = Console(width=160)
_COMMON = {"enabled", "severity", "exempt", "teams"}


def describe_thresholds(settings: RuleSettings) -> str:
    """The rule's own keys as ``key=value``, then its exemptions and team overrides."""
    parts = []
    for name in type(settings).model_fields:
        if name in _COMMON:
            continue
        value = getattr(settings, name)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value) or "-"
        parts.append(f"{name}={value}")
    exempt = settings.exempt
    if exempt.labels or exempt.types or exempt.assignees:
        parts.append(
            "exempt: "
            + "; ".join(
                f"{kind} {','.join(str(v) for v in values)}"
                for kind, values in (
                    ("labels", exempt.labels),
                    ("types", exempt.types),
                    ("assignees", exempt.assignees),
                )
                if values
            )
        )
    if settings.teams:
        parts.append("teams: " + ", ".join(sorted(settings.teams)))
    return " ".join(parts) or "-"


@rules_app.command("list")
def list_rules(ctx: typer.Context) -> None:
    """Every rule: id, name, on/off, severity, the thresholds in force and what it checks."""
    from sync.rules.registry import RULES

    policy = load_cli_policy(ctx)
    table = Table(title="Baton rules", show_lines=True)
    for column in ("id", "rule", "on", "severity", "thresholds in force", "explanation"):
        table.add_column(column, overflow="fold")
    for rule_id, spec in RULES.items():
        settings = policy.rules.get(rule_id)
        table.add_row(
            rule_id.value,
            spec.name,
            "yes" if settings.enabled else "no",
            settings.severity.value,
            describe_thresholds(settings),
            spec.explanation,
        )
    console.print(table)


def _parse_rules(values: list[str] | None) -> list[RuleId] | None:
    from core.policy import RuleId

    if not values:
        return None
    parsed = []
    for value in values:
        for part in value.split(","):
            try:
                parsed.append(RuleId(part.strip().upper()))
            except ValueError:
                typer.echo(f"unknown rule {part!r}: rule ids are R01 to R20", err=True)
                raise typer.Exit(2) from None
    return parsed


def print_summary(summary: EvaluationSummary, scope: str) -> None:
    """The Rich table of a run: per rule, findings firing, opened, refreshed, resolved."""
    from core.policy import RuleId
    from sync.rules.registry import RULES

    table = Table(title=f"Rules run ({scope}): {summary.items} items in {summary.seconds:.1f} s")
    for column in ("rule", "name", "firing", "opened", "refreshed", "resolved"):
        table.add_column(column, justify="left" if column in ("rule", "name") else "right")
    totals = [0, 0, 0, 0]
    for rule_id, tally in summary.rows():
        spec = RULES.get(RuleId(rule_id)) if rule_id in RuleId.__members__ else None
        counts = [tally.firing, tally.opened, tally.refreshed, tally.resolved]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        table.add_row(rule_id, spec.name if spec else "", *(str(c) for c in counts))
    table.add_section()
    table.add_row("all", "", *(str(c) for c in totals))
    console.print(table)


@rules_app.command("run")
def run_rules(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option("--team", help="Only this team's items and findings.")] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Only these rules (repeat, or R01,R02).", show_default=False)
    ] = None,
    now: Annotated[
        datetime | None, typer.Option("--now", help="Evaluate as of this time (default: now, UTC).", show_default=False)
    ] = None,
) -> None:
    """Evaluate the rules over the store: open new findings, refresh those still firing, resolve the rest."""
    from sync.rules.evaluate import run_sweep

    policy = load_cli_policy(ctx)
    if team is not None and team not in policy.teams:
        typer.echo(
            f"unknown team {team!r}: the policy defines {', '.join(sorted(policy.teams)) or 'no teams'}", err=True
        )
        raise typer.Exit(2)
    rule_ids = _parse_rules(rule)
    database = cli_context(ctx).open_database()
    try:
        summary = run_sweep(database, policy, as_utc(now) if now is not None else utc_now(), team=team, rules=rule_ids)
    finally:
        database.dispose()
    print_summary(summary, f"team {team}" if team else "all teams")
