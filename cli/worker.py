"""`baton worker`: the scheduler and the webhook inbox worker, without HTTP.

For scale-out: run any number of ``baton serve --no-scheduler`` replicas behind a load balancer and one or
more ``baton worker`` processes on the same PostgreSQL database. Scheduled fires are claimed through
``job_lease`` (each fire runs once), inbox rows through leases (each webhook takes effect once), and a
connection's syncs never overlap (``sync/connection_lease.py``), however many workers run.
"""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from cli.context import cli_context

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = ["worker"]

console = Console(stderr=True)


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """Run the scheduler, the inbox worker and the policy refresh until ``stop`` is set."""
    from api.lifecycle import running_state
    from core.timeutil import utc_now

    async with running_state(settings, None, receivers=None, clock=utc_now):
        await stop.wait()


async def _until_signalled(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await run_worker(settings, stop)


def worker(ctx: typer.Context) -> None:
    """Run scheduled syncs, sweeps and reports and drain the webhook inbox, without serving HTTP."""
    context = cli_context(ctx)
    settings = context.settings
    if settings.policy is None:
        console.print("[red]No policy file:[/] pass --policy FILE or set BATON_POLICY (see docs/policy.md).")
        raise typer.Exit(2)
    settings = settings.model_copy(update={"scheduler": True, "inbox_worker": True})
    console.print(f"Baton worker (store: {settings.dialect}): scheduler and inbox worker running; SIGTERM stops it")
    asyncio.run(_until_signalled(settings))
