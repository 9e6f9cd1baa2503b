"""The scheduler jobs: rules sweep, nightly report (build, store, deliver), inbox retries; several replicas on one
store run each job once per fire."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from models.db import Database
from models.tables import FINDINGS, REPORTS
from sync.connector_pool import ConnectorPool
from sync.jobs import scheduled_jobs
from sync.scheduler import JobOutcome, Scheduler
from tests.reporting.receivers import slack_receiver
from tests.reporting.seed import NOW, report_policy, seed_store
from tests.rules.builders import DAY

POLICY_EXTRA = """\
report:
  teams: [web]
  delivery:
    slack: {webhook_url: {env: SLACK_URL}}
"""
JOBS = ("rules", "report", "inbox_retry")


def test_the_policy_schedules_rules_report_and_inbox_retries(database: Database) -> None:
    policy = report_policy()
    pool = ConnectorPool(database, lambda: policy, {})
    jobs = {job.name: job.cron for job in scheduled_jobs(database, policy, pool)}
    assert (jobs["rules"], jobs["report"], jobs["inbox_retry"]) == ("5 * * * *", "0 6 * * 1-5", "* * * * *")
    without_inbox = [job.name for job in scheduled_jobs(database, policy, pool, inbox_retries=False)]
    assert "inbox_retry" not in without_inbox
    assert "report" in without_inbox


def test_three_replicas_run_each_job_once_per_fire(database: Database) -> None:
    seed_store(database)
    policy = report_policy(POLICY_EXTRA)
    clock_now = [NOW]  # Wednesday 12:00 UTC: the 06:00 report fire and the 11:05 rules fire are due

    def clock() -> object:
        return clock_now[0]

    with slack_receiver() as slack:
        pool = ConnectorPool(database, lambda: policy, {})

        def jobs() -> list[object]:
            every = scheduled_jobs(
                database, policy, pool, clock=clock, environ={"SLACK_URL": slack.url}, public_url="https://b.example"
            )  # type: ignore[arg-type]
            return [job for job in every if job.name in JOBS]

        replicas = [Scheduler(database, jobs, holder=f"replica-{n}", clock=clock) for n in range(3)]  # type: ignore[arg-type]

        def tick() -> list[JobOutcome]:
            barrier = threading.Barrier(len(replicas))
            results: list[list[JobOutcome]] = [[] for _ in replicas]

            def run(index: int) -> None:
                barrier.wait()
                results[index] = replicas[index].run_due()

            threads = [threading.Thread(target=run, args=(n,)) for n in range(len(replicas))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(300)
            return [outcome for result in results for outcome in result]

        first = tick()
        assert sorted(o.name for o in first) == sorted(JOBS)
        assert all(o.succeeded for o in first), [o.error for o in first]
        assert len(slack.posts) == 2  # the organisation's report and team web's, once
        assert tick() == []  # the same fires: nobody runs them again
        clock_now[0] = NOW + DAY - timedelta(hours=5)  # Thursday 07:00: the next report fire
        second = tick()
        assert sorted(o.name for o in second) == sorted(JOBS)
        assert len(slack.posts) == 4
    with database.read_session() as session:
        reports = session.execute(select(REPORTS.c.report_date, REPORTS.c.team_scope).order_by(REPORTS.c.id)).all()
        findings = session.execute(select(func.count()).select_from(FINDINGS)).scalar_one()
    assert [(str(d), s) for d, s in reports] == [
        ("2026-03-04", "*"),
        ("2026-03-04", "web"),
        ("2026-03-05", "*"),
        ("2026-03-05", "web"),
    ]
    assert findings > 0
