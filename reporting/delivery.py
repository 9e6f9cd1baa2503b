"""Delivering a stored report: a Slack incoming webhook (a summary, the top findings, a link), e-mail over SMTP,
files in a directory. Each channel is retried (tenacity, the only retry layer on this path) and its outcome is
recorded in ``report_delivery`` (one row per report and channel). A channel that already delivered this exact
content is not sent again, so a rerun after a crash does not post twice.
"""

from __future__ import annotations

import logging
import os
import smtplib
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx
from sqlalchemy import select
from tenacity import RetryCallState, Retrying, stop_after_attempt, wait_exponential
from tenacity.wait import wait_base

from core.policy import ReportDelivery
from core.policy.report import EmailDelivery
from core.policy.secrets import MissingSecretError, resolve_secret
from core.timeutil import Clock
from models.db import Database
from models.tables import REPORT_DELIVERIES
from reporting.data import FindingLine, ReportData
from reporting.render_markdown import rule_name, scope_title
from reporting.store import RenderedReport, StoredReport
from sync.upsert import dialect_insert

__all__ = [
    "DEFAULT_ATTEMPTS",
    "DeliveryOutcome",
    "deliver_report",
    "report_file_names",
    "slack_summary",
]

log = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 4
DEFAULT_WAIT: wait_base = wait_exponential(multiplier=2, min=2, max=60)
_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "info": 3}


@dataclass(frozen=True)
class DeliveryOutcome:
    """What happened on one channel: ``delivered``, ``failed`` or ``skipped`` (this content was already sent)."""

    channel: str
    status: str
    attempts: int
    error: str | None = None


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def top_findings(data: ReportData, limit: int = 5) -> list[FindingLine]:
    """The most severe, then oldest, of the oldest open findings per rule."""
    lines = [line for found in data.oldest_by_rule.values() for line in found.shown]
    lines.sort(key=lambda f: (_SEVERITY_RANK.get(f.severity, 9), -f.age_days, f.id))
    return lines[:limit]


def slack_summary(data: ReportData, link: str | None) -> str:
    """The Slack message (mrkdwn): health warning, scores, findings counts, the top findings, the link."""
    lines = [f"*{_slack_escape(scope_title(data))}*"]
    if not data.health.ok:
        lines.append(f":warning: {_slack_escape(data.health.headline)}")
    if data.hygiene:
        scores = ", ".join(
            f"{_slack_escape(row.team)} {row.score:.1f}" + ("" if row.change is None else f" ({row.change:+.1f})")
            for row in data.hygiene
        )
        lines.append(f"Hygiene: {scores}")
    delta = data.findings_delta
    since = data.previous_report_date or "yesterday"
    lines.append(
        f"Findings: {delta.opened_total} opened, {delta.resolved_total} resolved since {since}; "
        f"{data.open_findings_total} open."
    )
    top = top_findings(data)
    if top:
        lines.append("Top findings:")
        for line in top:
            message = _slack_escape(line.message)
            text = f"<{line.url}|{message}>" if line.url else message
            lines.append(f"• {text} ({rule_name(line.rule_id)}, {line.severity}, {line.age_days} d)")
    if link:
        lines.append(f"<{link}|Full report>")
    return "\n".join(lines)


def report_file_names(data: ReportData) -> dict[str, str]:
    """Format -> file name, e.g. ``baton-report-2026-11-24-all.html``."""
    scope = "all" if data.team_scope == "*" else data.team_scope
    stem = f"baton-report-{data.report_date}-{scope}"
    return {"html": f"{stem}.html", "md": f"{stem}.md", "json": f"{stem}.json"}


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_files(directory: Path, rendered: RenderedReport) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    contents = {"html": rendered.html, "md": rendered.markdown, "json": rendered.json}
    for fmt, name in report_file_names(rendered.data).items():
        _write_atomically(directory / name, contents[fmt])


def _post_slack(http: httpx.Client, url: str, text: str) -> None:
    response = http.post(url, json={"text": text})
    if response.status_code >= 300:
        raise RuntimeError(f"Slack answered HTTP {response.status_code}: {response.text[:200]}")


def _send_mail(settings: EmailDelivery, environ: Mapping[str, str], rendered: RenderedReport, link: str | None) -> None:
    message = EmailMessage()
    message["Subject"] = scope_title(rendered.data)
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    body = rendered.markdown + (f"\nFull report: {link}\n" if link else "")
    message.set_content(body)
    message.add_alternative(rendered.html, subtype="html")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username is not None and settings.password is not None:
            smtp.login(
                resolve_secret(settings.username, environ, where="report.delivery.email.username"),
                resolve_secret(settings.password, environ, where="report.delivery.email.password"),
            )
        smtp.send_message(message)


def _already_delivered(database: Database, report_id: int, channel: str, content_hash: str) -> bool:
    with database.read_session() as session:
        row = session.execute(
            select(REPORT_DELIVERIES.c.status, REPORT_DELIVERIES.c.content_hash).where(
                REPORT_DELIVERIES.c.report_id == report_id, REPORT_DELIVERIES.c.channel == channel
            )
        ).one_or_none()
    return row is not None and row.status == "delivered" and row.content_hash == content_hash


def _record(database: Database, stored: StoredReport, outcome: DeliveryOutcome, clock: Clock) -> None:
    now = clock()
    values = {
        "report_id": stored.id,
        "channel": outcome.channel,
        "status": outcome.status,
        "content_hash": stored.content_hash,
        "attempts": outcome.attempts,
        "last_error": outcome.error[:2000] if outcome.error else None,
        "updated_at": now,
        "delivered_at": now if outcome.status == "delivered" else None,
    }
    statement = dialect_insert(database.dialect, REPORT_DELIVERIES).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["report_id", "channel"],
        set_={key: statement.excluded[key] for key in values if key not in ("report_id", "channel")},
    )
    with database.session() as session:
        session.execute(statement)
        session.commit()


def _attempt(send: Callable[[], None], attempts: int, wait: wait_base, channel: str) -> DeliveryOutcome:
    tries = 0

    def counted() -> None:
        nonlocal tries
        tries += 1
        send()

    def log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        log.warning("report delivery to %s failed (attempt %d): %s", channel, state.attempt_number, error)

    try:
        Retrying(stop=stop_after_attempt(attempts), wait=wait, reraise=True, before_sleep=log_retry)(counted)
    except Exception as failure:
        return DeliveryOutcome(channel, "failed", tries, f"{type(failure).__name__}: {failure}")
    return DeliveryOutcome(channel, "delivered", tries)


def deliver_report(
    database: Database,
    stored: StoredReport,
    rendered: RenderedReport,
    delivery: ReportDelivery,
    *,
    environ: Mapping[str, str],
    clock: Clock,
    link: str | None = None,
    http: httpx.Client | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
    wait: wait_base = DEFAULT_WAIT,
    force: bool = False,
) -> list[DeliveryOutcome]:
    """Send the report to every configured channel; each outcome is recorded and returned."""
    channels: dict[str, Callable[[], None]] = {}
    broken: dict[str, str] = {}
    client = http or httpx.Client(timeout=httpx.Timeout(15.0))
    try:
        if delivery.slack is not None:
            try:
                url = resolve_secret(delivery.slack.webhook_url, environ, where="report.delivery.slack.webhook_url")
            except MissingSecretError as missing:
                broken["slack"] = str(missing)
            else:
                text = slack_summary(rendered.data, link)
                channels["slack"] = lambda: _post_slack(client, url, text)
        if delivery.email is not None:
            email = delivery.email
            channels["email"] = lambda: _send_mail(email, environ, rendered, link)
        if delivery.file is not None:
            directory = Path(delivery.file.path)
            channels["file"] = lambda: _write_files(directory, rendered)
        outcomes = []
        for channel, error in broken.items():
            outcome = DeliveryOutcome(channel, "failed", 0, error)
            _record(database, stored, outcome, clock)
            outcomes.append(outcome)
        for channel, send in channels.items():
            if not force and _already_delivered(database, stored.id, channel, stored.content_hash):
                outcomes.append(DeliveryOutcome(channel, "skipped", 0))
                continue
            outcome = _attempt(send, attempts, wait, channel)
            _record(database, stored, outcome, clock)
            outcomes.append(outcome)
        return outcomes
    finally:
        if http is None:
            client.close()
