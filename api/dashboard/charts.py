"""The dashboard's charts: inline SVG drawn server-side by reporting.charts (matplotlib; no JavaScript, no network).

Each function takes a view's model and returns one ``<svg>`` (with a title and a text description for screen
readers), or ``None`` when there is nothing to draw; the pages also show the same figures as tables.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import timedelta

from api.dashboard.trend import TeamTrend
from api.views.flow import FlowMetrics
from api.views.rules import RuleInfo
from reporting import charts as drawing

__all__ = [
    "clear_chart_cache",
    "cycle_time_chart",
    "findings_by_rule_chart",
    "hygiene_trend_chart",
    "throughput_chart",
    "window_weeks",
]

# Drawing a chart costs a few hundred milliseconds of matplotlib; the same figures always give the same SVG, so
# the last drawings are kept, keyed by their data (a page whose data did not change serves its charts at once).
CACHE_SIZE = 64


@functools.lru_cache(maxsize=CACHE_SIZE)
def bar_chart_svg(labels: tuple[str, ...], values: tuple[float, ...], title: str, y_label: str) -> str:
    """``reporting.charts.bar_chart_svg``, memoised."""
    return drawing.bar_chart_svg(labels, values, title=title, y_label=y_label)


@functools.lru_cache(maxsize=CACHE_SIZE)
def line_chart_svg(
    x_labels: tuple[str, ...], series: tuple[tuple[str, tuple[float | None, ...]], ...], title: str, y_label: str
) -> str:
    """``reporting.charts.line_chart_svg``, memoised."""
    return drawing.line_chart_svg(x_labels, dict(series), title=title, y_label=y_label)


def clear_chart_cache() -> None:
    """Forget every memoised drawing (the benchmark measures drawing from cold)."""
    bar_chart_svg.cache_clear()
    line_chart_svg.cache_clear()


# A line per team gets unreadable beyond a handful: chart the teams that need attention most.
MAX_TREND_LINES = 6


def hygiene_trend_chart(trends: Mapping[str, TeamTrend]) -> str | None:
    """Hygiene score per report date, one line per team (the lowest latest scores first)."""
    if not trends:
        return None
    days = sorted({day for trend in trends.values() for day, _ in trend.points})
    worst = sorted(trends.values(), key=lambda trend: (trend.points[-1][1], trend.team))[:MAX_TREND_LINES]
    series: dict[str, list[float | None]] = {}
    for trend in sorted(worst, key=lambda t: t.team):
        by_day = dict(trend.points)
        series[trend.team] = [by_day.get(day) for day in days]
    return line_chart_svg(tuple(days), _frozen(series), "Hygiene score in the stored reports", "score (0-100)")


def findings_by_rule_chart(rules: Sequence[RuleInfo]) -> str | None:
    """Open findings per rule, rules with none left out."""
    counted = [rule for rule in rules if rule.open_findings]
    if not counted:
        return None
    return bar_chart_svg(
        tuple(rule.id for rule in counted),
        tuple(float(rule.open_findings) for rule in counted),
        "Open findings by rule",
        "open findings",
    )


def window_weeks(metrics: FlowMetrics) -> list[str]:
    """Every ISO week start (Monday) from the window's first week to its last, quiet weeks included."""
    monday = metrics.since.date() - timedelta(days=metrics.since.weekday())
    weeks = []
    while monday <= metrics.until.date():
        weeks.append(monday.isoformat())
        monday += timedelta(days=7)
    return sorted(set(weeks) | set(metrics.overall.throughput_per_week))


def throughput_chart(metrics: FlowMetrics) -> str:
    """Items done per week (0 in a quiet week), one line per tool and one for every tool together."""
    weeks = window_weeks(metrics)
    series: dict[str, list[float | None]] = {
        "all tools": [float(metrics.overall.throughput_per_week.get(week, 0)) for week in weeks]
    }
    for flow_slice in metrics.by_source:
        series[flow_slice.source or "?"] = [float(flow_slice.throughput_per_week.get(week, 0)) for week in weeks]
    return line_chart_svg(tuple(weeks), _frozen(series), "Throughput per week", "items done")


def cycle_time_chart(metrics: FlowMetrics) -> str:
    """Cycle time p50 / p85 / p95 per tool and overall, in days."""
    labels: list[str] = []
    values: list[float] = []
    for flow_slice in [metrics.overall, *metrics.by_source]:
        distribution = flow_slice.cycle_time_days
        for name, value in (("p50", distribution.p50), ("p85", distribution.p85), ("p95", distribution.p95)):
            if value is not None:
                labels.append(f"{flow_slice.source or 'all'} {name}")
                values.append(value)
    return bar_chart_svg(tuple(labels), tuple(values), "Cycle time percentiles", "days")


def _frozen(series: Mapping[str, Sequence[float | None]]) -> tuple[tuple[str, tuple[float | None, ...]], ...]:
    return tuple((name, tuple(values)) for name, values in series.items())
