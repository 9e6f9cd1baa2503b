"""The overview: hygiene score per team with its trend, sync health, and open findings by rule."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.auth.scope import WHOLE_ORGANISATION
from api.dashboard.charts import findings_by_rule_chart, hygiene_trend_chart
from api.dashboard.identity import ViewerDep
from api.dashboard.templating import render_page
from api.dashboard.trend import team_trends
from api.deps import DatabaseDep
from api.routes.common import NowDep, PolicyDep
from api.routes.reports import ReportPage, get_report, list_reports
from api.routes.rules import get_rule_catalogue, list_rules
from api.routes.sync_runs import SyncRunPage, SyncRunPublic, list_sync_runs
from api.views.findings import FINDING_SORTS, FindingFilters, FindingPublic, finding_conditions, read_finding_page
from api.views.hygiene import compute_hygiene
from api.views.rules import RuleCatalogue

__all__ = ["TREND_REPORTS", "router"]

router = APIRouter(include_in_schema=False)

SYNC_HEALTH_RULES = ("SH01", "SH02", "SH03", "SH04")
TREND_REPORTS = 14


def latest_runs(runs: list[SyncRunPublic]) -> list[SyncRunPublic]:
    """The newest run of each connection (``runs`` newest first), by connection name."""
    latest: dict[str, SyncRunPublic] = {}
    for run in runs:
        latest.setdefault(run.connection, run)
    return [latest[name] for name in sorted(latest)]


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    viewer: ViewerDep,
    database: DatabaseDep,
    policy: PolicyDep,
    now: NowDep,
    catalogue: Annotated[RuleCatalogue, Depends(get_rule_catalogue)],
) -> HTMLResponse:
    """Scores, sync health and findings by rule on one page."""
    key = viewer.identity
    with database.read_session() as session:
        hygiene = compute_hygiene(database, policy, by="team", now=now)
        health_findings: list[FindingPublic] = []
        for rule in SYNC_HEALTH_RULES:
            found, _ = read_finding_page(
                session,
                finding_conditions(FindingFilters(rule=rule), now),
                FINDING_SORTS["-id"],
                limit=20,
                cursor=None,
                now=now,
            )
            health_findings.extend(found)
    runs = list_sync_runs(request, database, key, WHOLE_ORGANISATION, limit=200, format="json")
    rules = list_rules(request, database, policy, catalogue, key, format="json")
    reports = list_reports(
        request, database, key, WHOLE_ORGANISATION, team_scope="*", limit=TREND_REPORTS, format="json"
    )
    # format="json" never streams CSV: these are the models.
    assert isinstance(runs, SyncRunPage)
    assert isinstance(rules, list)
    assert isinstance(reports, ReportPage)
    contents: list[tuple[str, dict[str, Any]]] = []
    for summary in reports.items:
        body = get_report(summary.id, database, key, WHOLE_ORGANISATION, format="json").body
        content = json.loads(bytes(body))
        if isinstance(content, dict):
            contents.append((summary.report_date.isoformat(), content))
    trends = team_trends(contents)
    charts = {
        "hygiene_trend": hygiene_trend_chart(trends),
        "findings_by_rule": findings_by_rule_chart(rules),
    }
    return render_page(
        request,
        "overview.html",
        title="Overview",
        viewer=viewer,
        hygiene=hygiene,
        trends=trends,
        runs=latest_runs(list(runs.items)),
        health_findings=health_findings,
        rules=sorted((r for r in rules if r.open_findings), key=lambda r: (-r.open_findings, r.id)),
        charts=charts,
    )
