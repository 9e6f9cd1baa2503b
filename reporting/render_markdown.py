"""The Markdown form of a report: for chat and mail (tables, links to the items in their own tool)."""

from __future__ import annotations

from reporting.data import FindingLine, FindingList, ReportData

__all__ = ["change_note", "render_markdown", "rule_name", "scope_title"]

_RULE_NAMES = {
    "R01": "stale",
    "R02": "stale in progress",
    "R03": "aging WIP",
    "R04": "blocked too long",
    "R05": "missing estimate",
    "R06": "missing assignee",
    "R07": "orphan",
    "R08": "overdue",
    "R09": "scope creep",
    "R10": "carry-over",
    "R11": "reopened",
    "R12": "skipped workflow",
    "R13": "parent/child inconsistent",
    "R14": "WIP limit",
    "R15": "zombie backlog",
    "R16": "linked status mismatch",
    "R17": "duplicate candidate",
    "R18": "unmapped status",
    "R19": "done without resolution",
    "R20": "workflow drift",
    "SH02": "webhook gap",
    "SH03": "mass disappearance",
    "SH04": "unmapped status (sync)",
}


def rule_name(rule_id: str) -> str:
    """``R02 stale in progress``."""
    name = _RULE_NAMES.get(rule_id)
    return f"{rule_id} {name}" if name else rule_id


def scope_title(data: ReportData) -> str:
    """``Backlog hygiene, 2026-11-24 (team web)``."""
    scope = "all teams" if data.team_scope == "*" else f"team {data.team_scope}"
    return f"Backlog hygiene, {data.report_date} ({scope})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _finding(line: FindingLine) -> str:
    message = _cell(line.message)
    text = f"[{message}]({line.url})" if line.url else message
    team = f", {line.team}" if line.team else ""
    return f"- {text} ({line.rule_id}{team}, {line.severity}, {line.age_days} d)"


def _listing(title: str, found: FindingList) -> list[str]:
    lines = [f"## {title} ({found.total})", ""]
    if not found.shown:
        return [*lines, "None.", ""]
    lines += [_finding(line) for line in found.shown]
    if found.total > len(found.shown):
        lines.append(f"- … and {found.total - len(found.shown)} more")
    return [*lines, ""]


def _signed(value: float | None) -> str:
    return "new" if value is None else f"{value:+.2f}"


def change_note(data: ReportData) -> str:
    """The sentence under the hygiene table: what the change column compares with."""
    if data.previous_report_date is None:
        return "No earlier report of this scope: every score is new."
    return f"Change since the previous report ({data.previous_report_date})."


def render_markdown(data: ReportData) -> str:
    """The whole report as GitHub-flavoured Markdown."""
    out = [f"# {scope_title(data)}", ""]
    health = data.health
    out += [f"> **{'Sync health OK' if health.ok else 'Warning'}:** {health.headline}", ""]
    for stale in health.stale_connections:
        last = stale.last_success_at or "never"
        out.append(f"- stale connection **{stale.connection}** ({stale.vendor}): last success {last}")
    out += [_finding(line) for line in (*health.webhook_gaps, *health.mass_disappearances, *health.other)]
    if not health.ok:
        out.append("")
    since = data.previous_report_date or "the day before"
    out += ["## Hygiene score", "", change_note(data), ""]
    out += ["| team | score | change | open items | with findings |", "|---|---:|---:|---:|---:|"]
    for row in data.hygiene:
        out.append(
            f"| {_cell(row.team)} | {row.score:.2f} | {_signed(row.change)} | {row.open_items} | "
            f"{row.items_with_findings} |"
        )
    delta = data.findings_delta
    out += ["", f"## Findings since {since}", ""]
    out.append(f"Opened {delta.opened_total}, resolved {delta.resolved_total}; {data.open_findings_total} open now.")
    rules = sorted(set(delta.opened) | set(delta.resolved))
    if rules:
        out += ["", "| rule | opened | resolved |", "|---|---:|---:|"]
        out += [f"| {rule_name(r)} | {delta.opened.get(r, 0)} | {delta.resolved.get(r, 0)} |" for r in rules]
    out += ["", "## Oldest open findings per rule", ""]
    if not data.oldest_by_rule:
        out.append("None.")
    for rule, found in data.oldest_by_rule.items():
        out.append(f"**{rule_name(rule)}** ({found.total} open)")
        out += [_finding(line) for line in found.shown]
        out.append("")
    out.append("")
    out += _listing("Stale work in progress", data.stale_wip)
    out += _listing("Aging work in progress", data.aging_wip)
    out += _listing("Overdue", data.overdue)
    out += ["## Active sprints", ""]
    if not data.sprints:
        out += ["No active sprint.", ""]
    else:
        out += ["| sprint | team | items | at start | added later | scope creep | carried over |"]
        out += ["|---|---|---:|---:|---:|---:|---:|"]
        for sprint in data.sprints:
            creep = "-" if sprint.scope_creep_pct is None else f"{sprint.scope_creep_pct:.1f} %"
            out.append(
                f"| {_cell(sprint.sprint)} ({sprint.connection}) | {sprint.team or '-'} | {sprint.items} | "
                f"{sprint.committed_at_start} | {sprint.added_after_start} | {creep} | {sprint.carried_over} |"
            )
        out.append("")
    out += _listing("Unmapped statuses", data.unmapped_statuses)
    flow = data.flow
    out += ["## Flow", "", "| week | throughput | cycle p50 (d) | p85 | p95 |", "|---|---:|---:|---:|---:|"]
    for index, week in enumerate(flow.weeks):
        cells = [flow.cycle_p50[index], flow.cycle_p85[index], flow.cycle_p95[index]]
        shown = " | ".join("-" if c is None else f"{c:.1f}" for c in cells)
        out.append(f"| {week} | {flow.throughput[index]} | {shown} |")
    if flow.wip:
        out += ["", f"Work in progress at the end of {flow.days[-1]}: {flow.wip[-1]} (28 days ago: {flow.wip[0]})."]
    return "\n".join(out).rstrip() + "\n"
