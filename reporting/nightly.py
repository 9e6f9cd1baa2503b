"""The nightly report job: build, store and deliver the organisation's report and each listed team's."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import httpx
from tenacity.wait import wait_base

from core.policy import Policy
from core.timeutil import Clock
from models.db import Database
from reporting.build import build_report
from reporting.delivery import DEFAULT_ATTEMPTS, DEFAULT_WAIT, DeliveryOutcome, deliver_report
from reporting.store import RenderedReport, StoredReport, render_all, store_report

__all__ = ["NightlyOutcome", "generate_report", "report_link", "run_nightly_reports", "today_in_policy_zone"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NightlyOutcome:
    """One scope's stored report and its deliveries."""

    stored: StoredReport
    deliveries: list[DeliveryOutcome]


def today_in_policy_zone(policy: Policy, clock: Clock) -> date:
    """Today's date in the schedules' time zone."""
    return clock().astimezone(ZoneInfo(str(policy.schedules.timezone))).date()


def report_link(base_url: str | None, report_id: int) -> str | None:
    """Where the API serves the stored HTML report, when Baton's public URL is known."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/api/v1/reports/{report_id}?format=html"


def generate_report(
    database: Database, policy: Policy, report_date: date, team: str | None, *, clock: Clock
) -> tuple[StoredReport, RenderedReport]:
    """Build, render and store one report (an upsert: rerunning replaces it, same id)."""
    rendered = render_all(build_report(database, policy, report_date, team, clock))
    return store_report(database, rendered, clock=clock), rendered


def run_nightly_reports(
    database: Database,
    policy: Policy,
    *,
    clock: Clock,
    environ: Mapping[str, str],
    public_url: str | None = None,
    http: httpx.Client | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
    wait: wait_base = DEFAULT_WAIT,
) -> list[NightlyOutcome]:
    """Today's organisation report, then one per team of ``report.teams``; each stored, then delivered."""
    report_date = today_in_policy_zone(policy, clock)
    outcomes = []
    for team in [None, *policy.report.teams]:
        stored, rendered = generate_report(database, policy, report_date, team, clock=clock)
        deliveries = deliver_report(
            database,
            stored,
            rendered,
            policy.report.delivery,
            environ=environ,
            clock=clock,
            link=report_link(public_url, stored.id),
            http=http,
            attempts=attempts,
            wait=wait,
        )
        for delivery in deliveries:
            if delivery.status == "failed":
                log.error(
                    "report %s (%s) to %s failed: %s", report_date, stored.team_scope, delivery.channel, delivery.error
                )
        outcomes.append(NightlyOutcome(stored, deliveries))
    return outcomes
