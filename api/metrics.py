"""Prometheus metrics: requests by route template and status, latency, and gauges read from the store.

Request metrics live in a registry owned by one app (no process-wide globals, so tests stay isolated). The
store gauges (sync runs by status, items per source, webhook inbox lag, open findings per rule) are read when
``/metrics`` is scraped, each with one indexed aggregate query.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.views.tallies import read_tallies
from models.db import Database
from models.enums import WebhookEventStatus
from models.tables import FINDINGS, RUNS, WEBHOOK_EVENTS
from sync.reconcile import webhook_gap_totals

__all__ = ["PROMETHEUS_TEXT", "MetricsMiddleware", "RequestMetrics", "StoreCollector", "render_metrics"]

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "<unmatched>"
disable_created_metrics()  # type: ignore[no-untyped-call]  # `_created` series double the output and no dashboard reads them
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestMetrics:
    """The HTTP request counter and latency histogram of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "baton_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "baton_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        children = self._children.get((method, route, status))
        if children is None:  # a new label set (route templates, methods and statuses are few): resolve it once
            children = (self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
            self._children[(method, route, status)] = children
        children[0].inc()
        children[1].observe(seconds)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class MetricsMiddleware:
    """Times every HTTP request and records it under its route template (never the raw path)."""

    def __init__(self, app: ASGIApp, *, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            method = str(scope.get("method", "GET"))
            self.metrics.observe(method, _route_template(scope), status, time.perf_counter() - started)


class StoreCollector(Collector):
    """Gauges read from the store at scrape time."""

    def __init__(self, database: Database, now: datetime) -> None:
        self.database = database
        self.now = now

    def collect(self) -> Iterator[Metric]:
        """One aggregate query per family."""
        runs = GaugeMetricFamily("baton_sync_runs", "Sync runs recorded in the store, by status.", labels=["status"])
        items = GaugeMetricFamily(
            "baton_work_items", "Live (not tombstoned) work items in the store, by source.", labels=["source"]
        )
        pending = GaugeMetricFamily("baton_webhook_inbox_pending", "Webhook deliveries waiting to be processed.")
        lag = GaugeMetricFamily(
            "baton_webhook_inbox_lag_seconds", "Age of the oldest webhook delivery still pending (0 when none)."
        )
        findings = GaugeMetricFamily("baton_open_findings", "Open (unresolved) findings, by rule.", labels=["rule"])
        with self.database.read_session() as session:
            for status, count in session.execute(select(RUNS.c.status, func.count()).group_by(RUNS.c.status)):
                runs.add_metric([str(status)], float(count))
            waiting, oldest = session.execute(
                select(func.count(), func.min(WEBHOOK_EVENTS.c.received_at)).where(
                    WEBHOOK_EVENTS.c.status == str(WebhookEventStatus.PENDING)
                )
            ).one()
            for rule, count in session.execute(
                select(FINDINGS.c.rule_id, func.count())
                .where(FINDINGS.c.resolved_at.is_(None))
                .group_by(FINDINGS.c.rule_id)
            ):
                findings.add_metric([str(rule)], float(count))
        gaps = GaugeMetricFamily(
            "baton_webhook_gaps",
            "Changes incremental syncs found that no webhook delivered, per connection: over all runs (window=all) "
            "and in the latest run webhooks covered (window=last_run).",
            labels=["connection", "source", "window"],
        )
        for (connection, source), (total, last) in webhook_gap_totals(self.database).items():
            gaps.add_metric([connection, source, "all"], float(total))
            gaps.add_metric([connection, source, "last_run"], float(last))
        per_source: dict[str, int] = defaultdict(int)
        for tally in read_tallies(self.database):  # the trigger-kept counts: no scan of the items
            per_source[tally.source] += tally.items
        for source, count in sorted(per_source.items()):
            items.add_metric([source], float(count))
        pending.add_metric([], float(waiting))
        lag.add_metric([], max(0.0, (self.now - oldest).total_seconds()) if oldest is not None else 0.0)
        yield from (runs, items, pending, lag, findings, gaps)


def render_metrics(metrics: RequestMetrics, database: Database, now: datetime) -> bytes:
    """The Prometheus text exposition of the request metrics and the store gauges."""
    store = CollectorRegistry(auto_describe=False)
    store.register(StoreCollector(database, now))
    return generate_latest(metrics.registry) + generate_latest(store)
