"""`baton serve` runs the scheduler: the nightly report job builds, stores and delivers a report on its own."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from models.db import Database
from models.tables import JOB_LEASES, REPORTS
from tests.waiting import wait_for

BATON = shutil.which("baton", path=str(Path(sys.executable).parent)) or "baton"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_delivers_the_report_on_its_schedule(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        f'version: 1\nschedules:\n  report: "* * * * *"\nreport:\n  delivery:\n    file: {{path: "{out}"}}\n'
    )
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {**os.environ, "BATON_DATABASE_URL": url, "BATON_POLICY": str(policy)}
    process = subprocess.Popen(
        [BATON, "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def delivered() -> list[Path] | None:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            files = sorted(out.glob("baton-report-*-all.*")) if out.exists() else []
            return files if len(files) == 3 else None

        files = wait_for(delivered, timeout=240, interval=0.5)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    today = datetime.now(UTC).date().isoformat()
    assert [f.name for f in files] == [f"baton-report-{today}-all.{ext}" for ext in ("html", "json", "md")]
    database = Database.from_url(url)
    try:
        with database.read_session() as session:
            reports = session.execute(select(REPORTS.c.report_date, REPORTS.c.team_scope)).all()
            leases = dict(session.execute(select(JOB_LEASES.c.name, JOB_LEASES.c.last_status)).all())
    finally:
        database.dispose()
    assert [(str(d), s) for d, s in reports] == [(today, "*")]
    assert leases["report"] == "succeeded"
    assert "<svg" in files[0].read_text()
