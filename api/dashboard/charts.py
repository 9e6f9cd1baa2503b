"""The dashboard's charts: inline SVG drawn server-side by reporting.charts (matplotlib; no JavaScript, no network).

Each function takes a view's model and returns one ``<svg>`` (with a title and a text description for screen
readers), or ``None`` when there is nothing to draw; the pages also show the same figures as tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from api.dashboard.trend import TeamTrend
from api.views.flow import FlowMetrics
from api.views.rules import RuleInfo
from reporting.charts import bar_chart_svg, line_chart_svg

__all__ = [
    "cycle_time_chart",
    "findings_by_rule_chart",
    "hygiene_trend_chart",
    "throughput_chart",
    "window_weeks",
]

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
    return line_chart_svg(days, series, title="Hygiene score in the stored reports", y_label="score (0-100)")


def findings_by_rule_chart(rules: Sequence[RuleInfo]) -> str | None:
    """Open findings per rule, rules with none left out."""
    counted = [rule for rule in rules if rule.open_findings]
    if not counted:
        return None
    return bar_chart_svg(
        [rule.id for rule in counted],
        [float(rule.open_findings) for rule in counted],
        title="Open findings by rule",
        y_label="open findings",
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
    return line_chart_svg(weeks, series, title="Throughput per week", y_label="items done")


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
    return bar_chart_svg(labels, values, title="Cycle time percentiles", y_label="days")
