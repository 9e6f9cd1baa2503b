"""`baton webhooks`: the inbox of received webhooks: status, processing, dead-letter replay."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from cli.context import cli_context
from core.policy import PolicyError, load_policy
from core.timeutil import utc_now
from models.tables import CONNECTIONS, WEBHOOK_EVENTS
from sync.connector_pool import ConnectorPool
from sync.inbox import InboxProcessor, replay_dead_letters
from sync.rules.on_change import changed_items_hook

__all__ = ["webhooks_app"]

webhooks_app = typer.Typer(help="The webhook inbox: status, processing and dead-letter replay.", no_args_is_help=True)
console = Console(stderr=True)


@webhooks_app.command("status")
def status(ctx: typer.Context) -> None:
    """Inbox rows per connection and status, with the oldest pending delivery."""
    database = cli_context(ctx).open_database()
    try:
        with database.read_session() as session:
            rows = session.execute(
                select(
                    CONNECTIONS.c.name,
                    WEBHOOK_EVENTS.c.status,
                    func.count(),
                    func.min(WEBHOOK_EVENTS.c.received_at),
                )
                .join(CONNECTIONS, CONNECTIONS.c.id == WEBHOOK_EVENTS.c.connection_id)
                .group_by(CONNECTIONS.c.name, WEBHOOK_EVENTS.c.status)
                .order_by(CONNECTIONS.c.name, WEBHOOK_EVENTS.c.status)
            ).all()
    finally:
        database.dispose()
    table = Table(title="webhook inbox")
    for column in ("connection", "status", "events", "oldest received"):
        table.add_column(column)
    for name, state, count, oldest in rows:
        table.add_row(name, state, f"{count:,}", str(oldest))
    Console().print(table)


@webhooks_app.command("replay")
def replay(
    ctx: typer.Context,
    event_id: Annotated[list[int] | None, typer.Option("--id", help="Only these inbox ids (repeatable).")] = None,
) -> None:
    """Put dead-lettered deliveries back in the queue (after fixing what made them fail)."""
    database = cli_context(ctx).open_database()
    try:
        count = replay_dead_letters(database, now=utc_now(), event_ids=event_id)
    finally:
        database.dispose()
    console.print(f"{count} dead-lettered deliver{'y' if count == 1 else 'ies'} queued again.")


@webhooks_app.command("process")
def process(ctx: typer.Context) -> None:
    """Process every due delivery now (what `baton serve` does continuously), then exit."""
    context = cli_context(ctx)
    if context.settings.policy is None:
        console.print("[red]No policy file:[/] pass --policy FILE or set BATON_POLICY.")
        raise typer.Exit(2)
    try:
        policy = load_policy(context.settings.policy).policy
    except PolicyError as error:
        console.print(f"[red]The policy file is not valid:[/]\n{error}")
        raise typer.Exit(2) from error
    database = context.open_database()
    try:
        pool = ConnectorPool(database, lambda: policy, os.environ)
        on_changed = changed_items_hook(database, lambda: policy)  # rules on what the deliveries changed
        outcome = InboxProcessor(database, pool.connector_for, on_changed=on_changed).drain()
    finally:
        database.dispose()
    console.print(
        f"processed {outcome.claimed}: {outcome.done} done, {outcome.retried} to retry, {outcome.dead} dead-lettered"
    )
    if outcome.dead:
        raise typer.Exit(1)
