"""`baton report`: build and store the backlog-hygiene report of a date (and team), print or write it, deliver it.

The same job the scheduler runs nightly, for an external cron or a Kubernetes CronJob. Storing is an upsert per
(date, team scope): running it twice, or again after a crash, leaves one report with the same content hash.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.context import cli_context, load_cli_policy
from core.timeutil import utc_now

__all__ = ["report_command"]


class ReportFormat(StrEnum):
    """What ``--format`` prints or writes."""

    HTML = "html"
    MD = "md"
    JSON = "json"


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically: a run killed midway never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def report_command(
    ctx: typer.Context,
    report_date: Annotated[
        str | None,
        typer.Option("--date", help="The report's date, YYYY-MM-DD (default: today in the schedules' time zone)."),
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="One team's report (default: the organisation).")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="What to print or write.")] = ReportFormat.MD,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of printing.", dir_okay=False)
    ] = None,
    deliver: Annotated[
        bool, typer.Option("--deliver/--no-deliver", help="Also send it where the policy's report.delivery says.")
    ] = False,
) -> None:
    """Build the hygiene report, store it (one per date and team), then print it or write it to a file."""
    from reporting.build import UnknownTeamError, build_report
    from reporting.delivery import deliver_report
    from reporting.nightly import report_link, today_in_policy_zone
    from reporting.store import render_all, store_report

    policy = load_cli_policy(ctx)
    try:
        day = date.fromisoformat(report_date) if report_date is not None else today_in_policy_zone(policy, utc_now)
    except ValueError:
        typer.echo(f"--date {report_date!r} is not a date: use YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    context = cli_context(ctx)
    database = context.open_database()
    scope = team or "*"
    try:
        typer.echo(f"report {day} ({scope}): building", err=True)
        try:
            rendered = render_all(build_report(database, policy, day, team, utc_now))
        except UnknownTeamError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from None
        typer.echo(f"report {day} ({scope}): built, storing", err=True)
        stored = store_report(database, rendered, clock=utc_now)
        typer.echo(f"report {day} ({scope}): stored as #{stored.id}, hash {stored.content_hash[:12]}", err=True)
        if deliver:
            outcomes = deliver_report(
                database,
                stored,
                rendered,
                policy.report.delivery,
                environ=os.environ,
                clock=utc_now,
                link=report_link(context.settings.public_url, stored.id),
            )
            for outcome in outcomes:
                detail = f": {outcome.error}" if outcome.error else ""
                typer.echo(f"delivery to {outcome.channel}: {outcome.status}{detail}", err=True)
            if any(o.status == "failed" for o in outcomes):
                raise typer.Exit(1)
    finally:
        database.dispose()
    text = {ReportFormat.HTML: rendered.html, ReportFormat.MD: rendered.markdown, ReportFormat.JSON: rendered.json}
    if out is not None:
        _write(out, text[format])
        typer.echo(f"wrote {out}", err=True)
    else:
        sys.stdout.write(text[format])
