"""`baton webhooks`: registration with the vendors (register, list, unregister) and the inbox of received
webhooks (status, processing, dead-letter replay)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.context import CliContext, cli_context
from core.timeutil import utc_now

if TYPE_CHECKING:
    from core.crypto import SecretBox
    from core.policy import Policy
    from models.db import Database
    from sync.webhook_registration import RegistrationTarget
    from sync.webhook_vendors import VendorHooks

__all__ = ["webhooks_app"]

webhooks_app = typer.Typer(
    help="Webhooks: registration with the vendors, and the inbox (status, processing, dead-letter replay).",
    no_args_is_help=True,
)
console = Console(stderr=True)

ConnectionOpt = Annotated[
    list[str] | None,
    typer.Option("--connection", "-c", help="Only this policy connection (repeatable; default: every enabled one)."),
]


def _load_policy(context: CliContext) -> Policy:
    from core.policy import PolicyError, load_policy

    if context.settings.policy is None:
        console.print("[red]No policy file:[/] pass --policy FILE or set BATON_POLICY.")
        raise typer.Exit(2)
    try:
        return load_policy(context.settings.policy).policy
    except PolicyError as error:
        console.print(f"[red]The policy file is not valid:[/]\n{error}")
        raise typer.Exit(2) from error


@dataclass(frozen=True)
class _Registration:
    """What the registration commands work with."""

    database: Database
    box: SecretBox
    targets: list[RegistrationTarget]
    policy: Policy


@contextmanager
def _registration(
    ctx: typer.Context, chosen: list[str] | None, *, require_secret: bool = True
) -> Iterator[_Registration]:
    """The store, the secret box and a registration target per chosen connection (exit 2 on bad input)."""
    from api.lifecycle import build_secret_box
    from sync.connections import sync_connections_from_policy
    from sync.webhook_registration import RegistrationError, registration_target

    context = cli_context(ctx)
    policy = _load_policy(context)
    names = chosen or [c.name for c in policy.connections if c.enabled]
    unknown = [name for name in names if policy.connection(name) is None]
    if unknown:
        console.print(f"[red]No connection named[/] {', '.join(unknown)} [red]in the policy.[/]")
        raise typer.Exit(2)
    database = context.open_database()
    try:
        ids = sync_connections_from_policy(database, policy)
        try:
            targets = [
                registration_target(
                    policy,
                    name,
                    ids[name],
                    public_url=context.settings.public_url,
                    environ=os.environ,
                    require_secret=require_secret,
                )
                for name in names
            ]
        except RegistrationError as error:
            console.print(f"[red]Cannot work with webhooks:[/] {error}")
            raise typer.Exit(2) from error
        yield _Registration(database, build_secret_box(context.settings), targets, policy)
    finally:
        database.dispose()


@contextmanager
def _hooks_of(policy: Policy, target: RegistrationTarget) -> Iterator[VendorHooks]:
    from sync.policy_bridge import connector_config_for
    from sync.webhook_vendors import vendor_hooks_for

    config, _ = connector_config_for(policy, target.name, os.environ)
    hooks = vendor_hooks_for(config)
    try:
        yield hooks
    finally:
        hooks.close()


@webhooks_app.command("register")
def register(ctx: typer.Context, connection: ConnectionOpt = None) -> None:
    """Create Baton's webhooks at the vendors (idempotent: re-running changes nothing that still works).

    Jira: one admin webhook per site, signed with the connection's webhook_secret. Trello: one per open board.
    Asana: one per project; `baton serve` must be reachable at BATON_PUBLIC_URL to answer the handshake.
    """
    from connectors.errors import ConnectorError
    from sync.webhook_registration import register_webhooks

    failed = 0
    table = Table(title="webhook registration")
    for column in ("connection", "resource", "name", "outcome", "detail"):
        table.add_column(column)
    with _registration(ctx, connection) as setup:
        for target in setup.targets:
            try:
                with _hooks_of(setup.policy, target) as hooks:
                    report = register_webhooks(setup.database, setup.box, hooks, target)
            except ConnectorError as error:
                failed += 1
                table.add_row(target.name, "", "", "[red]failed[/]", f"{type(error).__name__}: {error}")
                continue
            for resource, outcome, detail in report.outcomes:
                style = "red" if detail else "green" if outcome != "unchanged" else "dim"
                table.add_row(target.name, resource.id, resource.name, f"[{style}]{outcome}[/]", detail)
            if report.orphans_deleted:
                table.add_row(target.name, "", "", "orphans deleted", str(report.orphans_deleted))
            failed += report.failed
    Console().print(table)
    if failed:
        raise typer.Exit(1)


@webhooks_app.command("list")
def list_command(ctx: typer.Context, connection: ConnectionOpt = None) -> None:
    """Baton's webhooks as the vendor and the store see them; orphans (one side only) are marked."""
    from connectors.errors import ConnectorError
    from sync.webhook_registration import HookState, list_webhooks

    table = Table(title="webhooks")
    for column in ("connection", "resource", "vendor id", "callback", "state", "active at vendor"):
        table.add_column(column)
    failed = False
    with _registration(ctx, connection, require_secret=False) as setup:
        for target in setup.targets:
            try:
                with _hooks_of(setup.policy, target) as hooks:
                    listed = list_webhooks(setup.database, hooks, target)
            except ConnectorError as error:
                failed = True
                table.add_row(target.name, "", "", "", f"[red]vendor unreachable: {error}[/]", "")
                continue
            for hook in listed:
                state = f"[red]orphan: {hook.state}[/]" if hook.orphan else str(hook.state)
                if hook.state is HookState.STALE_CALLBACK:
                    state = f"[yellow]{hook.state}: run register[/]"
                active = "" if hook.active_at_vendor is None else "yes" if hook.active_at_vendor else "no"
                table.add_row(
                    target.name, hook.resource or "", hook.external_id or "", hook.callback_url, state, active
                )
    Console().print(table)
    if failed:
        raise typer.Exit(1)


@webhooks_app.command("unregister")
def unregister(ctx: typer.Context, connection: ConnectionOpt = None) -> None:
    """Delete Baton's webhooks at the vendors and the stored subscriptions."""
    from connectors.errors import ConnectorError
    from sync.webhook_registration import unregister_webhooks

    failed = False
    with _registration(ctx, connection, require_secret=False) as setup:
        for target in setup.targets:
            try:
                with _hooks_of(setup.policy, target) as hooks:
                    at_vendor, stored = unregister_webhooks(setup.database, hooks, target)
            except ConnectorError as error:
                failed = True
                console.print(f"[red]{target.name}: {type(error).__name__}: {error}[/]")
                continue
            console.print(
                f"{target.name}: {at_vendor} webhook(s) deleted at the vendor, {stored} stored subscription(s) removed."
            )
    if failed:
        raise typer.Exit(1)


@webhooks_app.command("status")
def status(ctx: typer.Context) -> None:
    """Inbox rows per connection and status, with the oldest pending delivery."""
    from sqlalchemy import func, select

    from models.tables import CONNECTIONS, WEBHOOK_EVENTS

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
    from sync.inbox import replay_dead_letters

    database = cli_context(ctx).open_database()
    try:
        count = replay_dead_letters(database, now=utc_now(), event_ids=event_id)
    finally:
        database.dispose()
    console.print(f"{count} dead-lettered deliver{'y' if count == 1 else 'ies'} queued again.")


@webhooks_app.command("process")
def process(ctx: typer.Context) -> None:
    """Process every due delivery now (what `baton serve` does continuously), then exit."""
    from sync.connector_pool import ConnectorPool
    from sync.inbox import InboxProcessor
    from sync.rules.on_change import changed_items_hook

    context = cli_context(ctx)
    policy = _load_policy(context)
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
