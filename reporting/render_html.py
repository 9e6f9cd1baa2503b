"""The HTML form of a report: one self-contained file (inline CSS, inline SVG charts, no script, nothing remote),
laid out for a phone first (one column, tables scroll sideways inside their box)."""

from __future__ import annotations

from html import escape

from reporting.charts import bar_chart_svg, line_chart_svg
from reporting.data import FindingLine, FindingList, ReportData
from reporting.render_markdown import change_note, rule_name, scope_title

__all__ = ["render_html"]

_CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:0;background:#f9fafb}
main{max-width:860px;margin:0 auto;padding:12px}
h1{font-size:1.35rem;margin:.4rem 0 .8rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem;border-bottom:1px solid #e5e7eb;padding-bottom:.2rem}
h3{font-size:1rem;margin:.9rem 0 .3rem}
.banner{border-radius:8px;padding:10px 12px;margin:0 0 12px;font-weight:600}
.banner.ok{background:#ecfdf5;border:1px solid #10b981}
.banner.warn{background:#fef2f2;border:1px solid #ef4444}
.banner ul{font-weight:400;margin:.4rem 0 0;padding-left:1.2rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92rem}
th,td{padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:left;white-space:nowrap}
td.num,th.num{text-align:right}
ul.findings{padding-left:1.1rem;margin:.3rem 0}
ul.findings li{margin:.25rem 0}
.meta{color:#6b7280;font-size:.85rem}
.up{color:#047857}.down{color:#b91c1c}
figure{margin:.6rem 0;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:6px}
figure svg{display:block;width:100%;height:auto}
figcaption{font-size:.85rem;color:#4b5563;padding:2px 4px}
"""


def _finding(line: FindingLine) -> str:
    message = escape(line.message)
    text = f'<a href="{escape(line.url)}">{message}</a>' if line.url else message
    team = f", {escape(line.team)}" if line.team else ""
    meta = f"{escape(line.rule_id)}{team}, {escape(line.severity)}, {line.age_days} d"
    return f'<li>{text} <span class="meta">({meta})</span></li>'


def _findings(found: FindingList) -> str:
    if not found.shown:
        return "<p>None.</p>"
    items = "".join(_finding(line) for line in found.shown)
    more = (
        f'<li class="meta">… and {found.total - len(found.shown)} more</li>' if found.total > len(found.shown) else ""
    )
    return f'<ul class="findings">{items}{more}</ul>'


def _section(title: str, found: FindingList) -> str:
    return f"<h2>{escape(title)} ({found.total})</h2>{_findings(found)}"


def _table(head: list[tuple[str, bool]], rows: list[list[str]]) -> str:
    header = "".join(f'<th{" class=num" if num else ""} scope="col">{escape(h)}</th>' for h, num in head)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if head[i][1] else ''}>{cell}</td>" for i, cell in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f'<div class="scroll"><table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>'


def _change(value: float | None) -> str:
    if value is None:
        return '<span class="meta">new</span>'
    css = "up" if value > 0 else "down" if value < 0 else "meta"
    return f'<span class="{css}">{value:+.2f}</span>'


def _health(data: ReportData) -> str:
    health = data.health
    rows = [
        f"<li>Stale connection <b>{escape(s.connection)}</b> ({escape(s.vendor)}): last success "
        f"{escape(s.last_success_at or 'never')}, expected every {s.expected_every_minutes} min</li>"
        for s in health.stale_connections
    ]
    rows += [_finding(line) for line in (*health.webhook_gaps, *health.mass_disappearances, *health.other)]
    details = f"<ul>{''.join(rows)}</ul>" if rows else ""
    css = "ok" if health.ok else "warn"
    label = "Sync health OK" if health.ok else "Warning"
    return f'<section class="banner {css}" role="status">{label}: {escape(health.headline)}{details}</section>'


def _charts(data: ReportData) -> str:
    flow = data.flow
    weeks = [w[5:] for w in flow.weeks]
    throughput = bar_chart_svg(weeks, flow.throughput, title="Throughput per week", y_label="items done")
    cycle = line_chart_svg(
        weeks,
        {"p50": flow.cycle_p50, "p85": flow.cycle_p85, "p95": flow.cycle_p95},
        title="Cycle time percentiles per week",
        y_label="days",
    )
    wip = line_chart_svg(
        [d[5:] for d in flow.days], {"WIP": [float(n) for n in flow.wip]}, title="Work in progress", y_label="items"
    )
    return "".join(
        f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"
        for svg, caption in (
            (throughput, "Items reaching done per ISO week (Monday)."),
            (cycle, "Cycle time (first in progress to done), 50th / 85th / 95th percentile, by week of completion."),
            (wip, "Items in progress at the end of each day, last 28 days."),
        )
    )


def render_html(data: ReportData) -> str:
    """The whole report as one HTML document."""
    title = escape(scope_title(data))
    since = escape(data.previous_report_date or "the day before")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{title}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{title}</h1>",
        _health(data),
        f'<h2>Hygiene score</h2><p class="meta">{escape(change_note(data))}</p>',
        _table(
            [("team", False), ("score", True), ("change", True), ("open items", True), ("with findings", True)],
            [
                [escape(r.team), f"{r.score:.2f}", _change(r.change), str(r.open_items), str(r.items_with_findings)]
                for r in data.hygiene
            ],
        ),
    ]
    delta = data.findings_delta
    parts.append(
        f"<h2>Findings since {since}</h2><p>Opened <b>{delta.opened_total}</b>, resolved "
        f"<b>{delta.resolved_total}</b>; {data.open_findings_total} open now.</p>"
    )
    rules = sorted(set(delta.opened) | set(delta.resolved))
    if rules:
        parts.append(
            _table(
                [("rule", False), ("opened", True), ("resolved", True)],
                [[escape(rule_name(r)), str(delta.opened.get(r, 0)), str(delta.resolved.get(r, 0))] for r in rules],
            )
        )
    parts.append("<h2>Oldest open findings per rule</h2>")
    if not data.oldest_by_rule:
        parts.append("<p>None.</p>")
    for rule, found in data.oldest_by_rule.items():
        parts.append(f"<h3>{escape(rule_name(rule))} ({found.total} open)</h3>{_findings(found)}")
    parts += [
        _section("Stale work in progress", data.stale_wip),
        _section("Aging work in progress", data.aging_wip),
        _section("Overdue", data.overdue),
        "<h2>Active sprints</h2>",
    ]
    if data.sprints:
        parts.append(
            _table(
                [
                    ("sprint", False),
                    ("team", False),
                    ("items", True),
                    ("at start", True),
                    ("added later", True),
                    ("scope creep", True),
                    ("carried over", True),
                ],
                [
                    [
                        f"{escape(s.sprint)} <span class=meta>({escape(s.connection)})</span>",
                        escape(s.team or "-"),
                        str(s.items),
                        str(s.committed_at_start),
                        str(s.added_after_start),
                        "-" if s.scope_creep_pct is None else f"{s.scope_creep_pct:.1f} %",
                        str(s.carried_over),
                    ]
                    for s in data.sprints
                ],
            )
        )
    else:
        parts.append("<p>No active sprint.</p>")
    parts += [
        _section("Unmapped statuses", data.unmapped_statuses),
        "<h2>Flow</h2>",
        _charts(data),
        f'<p class="meta">Time zone {escape(data.timezone)}. Baton report schema {data.schema_version}.</p>',
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"
