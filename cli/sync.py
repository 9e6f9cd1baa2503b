"""`baton sync`: pull every enabled connection (or one) into the store, with progress and a summary."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.context import cli_context

if TYPE_CHECKING:
    from sync.engine import SyncReport

__all__ = ["sync_command"]

console = Console(stderr=True)


def sync_command(
    ctx: typer.Context,
    connection: Annotated[str | None, typer.Option("--connection", "-c", help="Only this connection.")] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read everything instead of what changed.")] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Connections synced at the same time (1: one after another).")
    ] = 4,
) -> None:
    """Pull Jira, Trello and Asana into the store (incremental by default), then reconcile deletions."""
    from cli.sync_progress import RichSyncProgress, summary_table
    from connectors.factory import build_connector
    from core.policy import PolicyError, load_policy
    from core.policy.connections import CredentialsError
    from models.enums import SyncStatus, Vendor
    from sync.connections import sync_connections_from_policy
    from sync.engine import run_sync
    from sync.policy_bridge import connector_config_for
    from sync.rules.on_change import evaluate_changed

    context = cli_context(ctx)
    if context.settings.policy is None:
        console.print("[red]No policy file:[/] pass --policy FILE or set BATON_POLICY (see docs/policy.md).")
        raise typer.Exit(2)
    try:
        policy = load_policy(context.settings.policy).policy
    except PolicyError as error:
        console.print(f"[red]The policy file is not valid:[/]\n{error}")
        raise typer.Exit(2) from error
    names = [c.name for c in policy.connections if c.enabled and (connection is None or c.name == connection)]
    if connection is not None and not names:
        console.print(f"[red]No enabled connection named {connection!r} in the policy.[/]")
        raise typer.Exit(2)
    database = context.open_database()
    results: list[tuple[str, SyncReport, int]] = []
    try:
        ids = sync_connections_from_policy(database, policy)
        with RichSyncProgress.build(console) as progress:

            def sync_one(name: str) -> tuple[str, SyncReport, int] | None:
                try:
                    config, bridge = connector_config_for(policy, name, os.environ)
                except CredentialsError as error:
                    console.print(f"[red]{name}: {error}[/]")
                    return None
                connector = build_connector(config)
                bar = RichSyncProgress(progress, name)
                report = run_sync(
                    database,
                    connection_id=ids[name],
                    vendor=Vendor(config.vendor),
                    connector=connector,
                    full=full,
                    progress=bar,
                    on_discovered=partial(bridge.assign_teams, database, ids[name]),
                )
                bar.finish()
                return name, report, connector.requests_made

            # Connections are independent (their own vendor, rate limits and lease): pull them side by side.
            with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(names))), thread_name_prefix="sync") as pool:
                results = [result for result in pool.map(sync_one, names) if result is not None]
        for _, report, _ in results:
            evaluate_changed(database, policy, report.changed_item_ids)  # rules on what each run changed
    finally:
        database.dispose()
    console.print(summary_table(results))
    for name, report, _ in results:
        for problem in report.errors:
            console.print(f"[red]{name}[/] {problem.get('stage', '')}: {problem.get('message', '')}")
    if len(results) < len(names) or any(report.status == SyncStatus.FAILED for _, report, _ in results):
        raise typer.Exit(1)
