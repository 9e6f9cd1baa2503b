"""Reliability P14: the nightly report is idempotent and consistent.

- run twice for the same date: one report per (date, scope), the same content hash;
- kill -9 a `baton report` while it is storing, then rerun: still one report, the same hash and output bytes;
- webhooks and syncs writing concurrently: every report's totals agree with each other (one snapshot).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, make_url, select, text

from connectors.records import Batch
from models.db import Database, sqlite_file_path
from models.enums import StatusCategory
from models.tables import FINDINGS, REPORTS
from reporting.build import build_report
from tests.reporting.seed import NOW, REPORT_DATE, REPORT_POLICY, report_policy, seed_store
from tests.rules.builders import DAY, jira_item, transition
from tests.waiting import wait_for

pytestmark = pytest.mark.reliability

BATON = shutil.which("baton", path=str(Path(sys.executable).parent)) or "baton"
DATE = REPORT_DATE.isoformat()


def _env(database_url: str) -> dict[str, str]:
    return {**os.environ, "BATON_DATABASE_URL": database_url, "BATON_LOG_LEVEL": "WARNING"}


def _run(database_url: str, policy: Path, out: Path) -> str:
    done = subprocess.run(
        [BATON, "--policy", str(policy), "report", "--date", DATE, "--format", "html", "--out", str(out)],
        env=_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def _stored(database: Database) -> list[tuple[str, str]]:
    with database.read_session() as session:
        rows = session.execute(
            select(REPORTS.c.team_scope, REPORTS.c.content_hash).where(REPORTS.c.report_date == REPORT_DATE)
        ).all()
    return [(str(scope), str(digest)) for scope, digest in rows]


@contextmanager
def _report_table_locked(database_url: str) -> Iterator[None]:
    """Hold a lock that lets readers through but makes the report upsert wait."""
    path = sqlite_file_path(database_url)
    if path is not None:
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    engine = create_engine(make_url(database_url))
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text("LOCK TABLE report IN EXCLUSIVE MODE"))
            yield
            transaction.rollback()
    finally:
        engine.dispose()


def test_p14_run_twice_kill_and_rerun_give_one_report_and_the_same_hash(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    seed_store(database, last_success=None)  # never synced: the health banner content is clock-independent
    policy = tmp_path / "policy.yaml"
    policy.write_text(REPORT_POLICY)
    first, second, third = tmp_path / "first.html", tmp_path / "second.html", tmp_path / "third.html"

    _run(database_url, policy, first)
    _run(database_url, policy, second)
    stored = _stored(database)
    assert len(stored) == 1
    assert first.read_bytes() == second.read_bytes()
    digest = stored[0][1]

    # kill -9 while it waits to store its report (it has built it and says so)
    with _report_table_locked(database_url):
        process = subprocess.Popen(
            [BATON, "--policy", str(policy), "report", "--date", DATE, "--format", "html", "--out", str(third)],
            env={**_env(database_url), "BATON_SQLITE_BUSY_TIMEOUT_MS": "120000"},
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        assert process.stderr is not None
        lines: list[str] = []

        def storing() -> bool | None:
            line = process.stderr.readline() if process.stderr else ""
            lines.append(line)
            return True if "built, storing" in line else None

        wait_for(storing, timeout=180, interval=0)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    assert not third.exists()  # killed before it wrote anything
    assert _stored(database) == stored  # the old report is intact

    _run(database_url, policy, third)
    assert _stored(database) == [("*", digest)]
    assert third.read_bytes() == first.read_bytes()
    assert hashlib.sha256(third.read_bytes()).hexdigest() == hashlib.sha256(first.read_bytes()).hexdigest()


def test_p14_totals_stay_consistent_while_syncs_and_webhooks_write(database: Database) -> None:
    store = seed_store(database)
    policy = report_policy()
    stop = threading.Event()
    written = {"items": 0, "findings": 0}

    def writer() -> None:
        number = 100
        while not stop.is_set():
            number += 1
            created = NOW - 20 * DAY
            item = jira_item(
                number,
                created_at=created,
                status_raw="In Progress",
                status_category=StatusCategory.IN_PROGRESS,
                transitions=(transition(NOW - 6 * DAY, "In Progress", StatusCategory.IN_PROGRESS),),
            )
            item_ids = store.jira.apply_batch(Batch(items=(item,))).changed_item_ids
            written["items"] += 1
            with database.session() as session:
                session.execute(
                    insert(FINDINGS).values(
                        rule_id="R02",
                        subject_type="work_item",
                        subject_key=str(item_ids[0]) if item_ids else f"x{number}",
                        work_item_id=item_ids[0] if item_ids else None,
                        team="web",
                        severity="medium",
                        message=f"WEB-{number} has been in progress without activity for 6 days.",
                        details={},
                        first_seen_at=NOW,
                        last_seen_at=NOW,
                    )
                )
                session.commit()
            written["findings"] += 1

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        reports = []
        for _ in range(12):
            reports.append(build_report(database, policy, REPORT_DATE, None, lambda: NOW + timedelta(minutes=1)))
    finally:
        stop.set()
        thread.join(60)
    assert written["findings"] > 0
    seen_totals = set()
    for data in reports:
        by_rule = sum(found.total for found in data.oldest_by_rule.values())
        assert by_rule == data.open_findings_total
        assert data.stale_wip.total == data.oldest_by_rule["R02"].total
        flagged = sum(row.items_with_findings for row in data.hygiene)
        assert flagged <= data.open_findings_total
        seen_totals.add(data.open_findings_total)
    assert len(seen_totals) > 1, "the writer never landed between two reports: the test proved nothing"
    with database.read_session() as session:
        final = session.execute(
            select(func.count()).select_from(FINDINGS).where(FINDINGS.c.resolved_at.is_(None))
        ).scalar_one()
    assert max(seen_totals) <= final
