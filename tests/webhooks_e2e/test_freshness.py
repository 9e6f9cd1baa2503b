"""End to end: emulator activity with webhooks registered reaches the store with no sync run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from models.tables import RUNS, WEBHOOK_EVENTS
from tests.dbutil import DIALECT, fresh_database_url
from tests.waiting import wait_for
from tests.webhooks_e2e.conftest import Baton
from tests.webhooks_e2e.stack import VENDORS, Stack, live_digest, source_digest, sync_all

CHANGES_PER_VENDOR = 12


def test_activity_reaches_the_store_through_webhooks_only(stack: Stack, baton: Baton, tmp_path: Path) -> None:
    sync_all(stack.database, stack.policy_path, full=True)  # the baseline; no sync runs after this line
    baseline = live_digest(stack.database)
    registered = baton("webhooks", "register")
    assert registered.exit_code == 0, registered.output

    for vendor in VENDORS:
        stack.start_activity(vendor, per_minute=600)
    for vendor in VENDORS:
        wait_for(lambda v=vendor: True if stack.runtimes[v].simulator.applied >= CHANGES_PER_VENDOR else None)
    applied = {vendor: stack.stop_activity(vendor) for vendor in VENDORS}
    assert all(count >= CHANGES_PER_VENDOR for count in applied.values())

    with fresh_database_url(DIALECT, tmp_path) as oracle_url:
        expected = source_digest(oracle_url, stack.policy_path)
    assert expected != baseline  # the activity changed what a sync would see

    wait_for(lambda: True if live_digest(stack.database) == expected else None, timeout=180)
    with stack.database.read_session() as session:
        runs = session.execute(select(func.count()).select_from(RUNS)).scalar_one()
        sources = dict(
            session.execute(select(WEBHOOK_EVENTS.c.source, func.count()).group_by(WEBHOOK_EVENTS.c.source)).all()
        )
    assert runs == len(VENDORS)  # only the baseline's runs: the changes came by webhook
    assert set(sources) == set(VENDORS)
