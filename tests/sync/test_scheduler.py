"""The scheduler on both dialects: each fire runs once across replicas; abandoned fires are taken over."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.db import Database
from models.tables import JOB_LEASES
from sync.scheduler import ScheduledJob, Scheduler, claim_fire, latest_fire

T0 = datetime(2026, 11, 24, 8, 7, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_latest_fire() -> None:
    assert latest_fire("*/15 * * * *", T0) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert latest_fire("0 6 * * mon-fri", T0) == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    assert latest_fire("0 6 * * sat", T0) == datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    assert latest_fire("7 8 * * *", T0) == datetime(2026, 11, 24, 8, 7, tzinfo=UTC)


def test_two_replicas_run_each_fire_once(database: Database) -> None:
    clock = Clock()
    runs: list[str] = []
    jobs = [
        ScheduledJob("sync:jira", "*/15 * * * *", lambda: runs.append("sync")),
        ScheduledJob("report", "0 6 * * *", lambda: runs.append("report")),
    ]
    replicas = [Scheduler(database, lambda: jobs, holder=f"replica-{n}", clock=clock) for n in range(2)]
    for _ in range(3):
        for replica in replicas:
            replica.run_due()
    assert sorted(runs) == ["report", "sync"]
    clock.now += timedelta(minutes=15)  # the next sync fire; the report waits for tomorrow
    for replica in reversed(replicas):
        replica.run_due()
    assert sorted(runs) == ["report", "sync", "sync"]


def test_concurrent_claims_of_one_fire_have_one_winner(database: Database) -> None:
    fire = latest_fire("*/5 * * * *", T0)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim(n: int) -> None:
        barrier.wait()
        results.append(
            claim_fire(database, name="rules", fire_at=fire, holder=f"r{n}", now=T0, lease=timedelta(hours=1))
        )

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_a_fire_abandoned_by_a_dead_replica_is_taken_over_after_its_lease(database: Database) -> None:
    fire = latest_fire("0 * * * *", T0)
    lease = timedelta(minutes=10)
    assert claim_fire(database, name="report", fire_at=fire, holder="dead", now=T0, lease=lease)  # never finishes
    assert not claim_fire(
        database, name="report", fire_at=fire, holder="alive", now=T0 + timedelta(minutes=5), lease=lease
    )
    assert claim_fire(
        database, name="report", fire_at=fire, holder="alive", now=T0 + timedelta(minutes=11), lease=lease
    )


def test_a_failing_job_is_recorded_and_the_others_still_run(database: Database) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("vendor down")

    jobs = [
        ScheduledJob("sync:trello", "* * * * *", broken),
        ScheduledJob("prune", "* * * * *", lambda: ran.append("prune")),
    ]
    outcomes = Scheduler(database, lambda: jobs, holder="me", clock=Clock()).run_due()
    assert [(o.name, o.succeeded) for o in outcomes] == [("sync:trello", False), ("prune", True)]
    assert ran == ["prune"]
    with database.read_session() as session:
        status = dict(session.execute(select(JOB_LEASES.c.name, JOB_LEASES.c.last_status)).all())
    assert status == {"sync:trello": "failed", "prune": "succeeded"}


def test_latest_fire_reads_the_cron_in_the_schedule_time_zone() -> None:
    # 06:00 in Paris (UTC+1 in November) is 05:00 UTC.
    assert latest_fire("0 6 * * *", T0, "Europe/Paris") == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
