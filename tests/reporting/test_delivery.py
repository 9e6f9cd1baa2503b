"""Delivery: Slack (a local receiver records what Slack would get), SMTP, files; retries and recorded status."""

from __future__ import annotations

import socket
from pathlib import Path

from sqlalchemy import select
from tenacity import wait_none

from models.db import Database
from models.tables import REPORT_DELIVERIES
from reporting.delivery import deliver_report, report_file_names
from reporting.nightly import generate_report, report_link, run_nightly_reports
from tests.reporting.receivers import slack_receiver, smtp_receiver
from tests.reporting.seed import NOW, REPORT_DATE, report_policy, seed_store

PUBLIC = "https://baton.acme.example"


def delivery_policy(*, smtp_port: int | None = None, directory: Path | None = None, teams: str = "") -> str:
    lines = ["report:", f"  teams: [{teams}]", "  delivery:", "    slack: {webhook_url: {env: SLACK_URL}}"]
    if smtp_port is not None:
        lines.append(
            f"    email: {{smtp_host: 127.0.0.1, smtp_port: {smtp_port}, starttls: false, "
            "sender: baton@acme.example, to: [lead@acme.example, web@acme.example]}"
        )
    if directory is not None:
        lines.append(f"    file: {{path: '{directory}'}}")
    return "\n".join(lines) + "\n"


def deliveries(database: Database) -> dict[str, tuple[str, int, str | None]]:
    with database.read_session() as session:
        rows = session.execute(
            select(
                REPORT_DELIVERIES.c.channel,
                REPORT_DELIVERIES.c.status,
                REPORT_DELIVERIES.c.attempts,
                REPORT_DELIVERIES.c.last_error,
            )
        ).all()
    return {str(r.channel): (str(r.status), int(r.attempts), r.last_error) for r in rows}


def test_slack_email_and_files_get_the_report(database: Database, tmp_path: Path) -> None:
    seed_store(database)
    with slack_receiver() as slack, smtp_receiver() as smtp:
        policy = report_policy(delivery_policy(smtp_port=smtp.port, directory=tmp_path / "out"))
        stored, rendered = generate_report(database, policy, REPORT_DATE, None, clock=lambda: NOW)
        outcomes = deliver_report(
            database,
            stored,
            rendered,
            policy.report.delivery,
            environ={"SLACK_URL": slack.url},
            clock=lambda: NOW,
            link=report_link(PUBLIC, stored.id),
            wait=wait_none(),
        )
    assert [(o.channel, o.status, o.attempts) for o in outcomes] == [
        ("slack", "delivered", 1),
        ("email", "delivered", 1),
        ("file", "delivered", 1),
    ]
    (post,) = slack.posts
    message = post["text"]
    assert message.startswith("*Backlog hygiene, 2026-03-04 (all teams)*")
    assert "Top findings:" in message
    assert "<https://acme.atlassian.net/browse/WEB-" in message
    assert f"<{PUBLIC}/api/v1/reports/{stored.id}?format=html|Full report>" in message
    (sender, recipients, mail) = smtp.messages[0]
    assert (sender, recipients) == ("baton@acme.example", ["lead@acme.example", "web@acme.example"])
    assert mail["Subject"] == "Backlog hygiene, 2026-03-04 (all teams)"
    parts = {part.get_content_type(): part.get_payload(decode=True) for part in mail.walk() if not part.is_multipart()}
    assert b"## Hygiene score" in parts["text/plain"]
    assert b"<svg" in parts["text/html"]
    names = report_file_names(rendered.data)
    assert (tmp_path / "out" / names["html"]).read_text() == rendered.html
    assert (tmp_path / "out" / names["md"]).read_text() == rendered.markdown
    assert (tmp_path / "out" / names["json"]).read_text() == rendered.json
    assert deliveries(database) == {
        "slack": ("delivered", 1, None),
        "email": ("delivered", 1, None),
        "file": ("delivered", 1, None),
    }


def test_failures_are_retried_then_recorded(database: Database, tmp_path: Path) -> None:
    seed_store(database)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with slack_receiver(fail_first=2) as slack:
        policy = report_policy(delivery_policy(smtp_port=closed_port))
        stored, rendered = generate_report(database, policy, REPORT_DATE, None, clock=lambda: NOW)
        outcomes = deliver_report(
            database, stored, rendered, policy.report.delivery,
            environ={"SLACK_URL": slack.url}, clock=lambda: NOW, attempts=3, wait=wait_none(),
        )  # fmt: skip
    assert [(o.channel, o.status, o.attempts) for o in outcomes] == [("slack", "delivered", 3), ("email", "failed", 3)]
    assert len(slack.posts) == 1
    recorded = deliveries(database)
    assert recorded["slack"] == ("delivered", 3, None)
    assert recorded["email"][:2] == ("failed", 3)
    assert "ConnectionRefusedError" in (recorded["email"][2] or "")

    with slack_receiver(fail_first=99) as broken:
        outcome = deliver_report(
            database, stored, rendered, report_policy(delivery_policy()).report.delivery,
            environ={"SLACK_URL": broken.url}, clock=lambda: NOW, attempts=2, wait=wait_none(), force=True,
        )  # fmt: skip
    assert [(o.channel, o.status, o.attempts) for o in outcome] == [("slack", "failed", 2)]
    assert "Slack answered HTTP 500" in (deliveries(database)["slack"][2] or "")


def test_a_delivered_report_is_not_sent_twice(database: Database) -> None:
    seed_store(database)
    with slack_receiver() as slack:
        policy = report_policy(delivery_policy(teams="web"))
        environ = {"SLACK_URL": slack.url}
        first = run_nightly_reports(database, policy, clock=lambda: NOW, environ=environ, public_url=PUBLIC)
        again = run_nightly_reports(database, policy, clock=lambda: NOW, environ=environ, public_url=PUBLIC)
    assert [o.stored.team_scope for o in first] == ["*", "web"]
    assert [d.status for o in first for d in o.deliveries] == ["delivered", "delivered"]
    assert [d.status for o in again for d in o.deliveries] == ["skipped", "skipped"]
    assert [o.stored.id for o in again] == [o.stored.id for o in first]
    assert len(slack.posts) == 2
    assert "(team web)" in slack.posts[1]["text"]


def test_a_missing_webhook_secret_is_a_recorded_failure(database: Database) -> None:
    seed_store(database)
    policy = report_policy(delivery_policy())
    stored, rendered = generate_report(database, policy, REPORT_DATE, None, clock=lambda: NOW)
    (outcome,) = deliver_report(database, stored, rendered, policy.report.delivery, environ={}, clock=lambda: NOW)
    assert (outcome.channel, outcome.status, outcome.attempts) == ("slack", "failed", 0)
    assert outcome.error is not None
    assert "SLACK_URL is not set" in outcome.error
    assert deliveries(database)["slack"][0] == "failed"
