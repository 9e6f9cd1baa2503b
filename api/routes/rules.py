"""`/api/v1/rules`: which rules Baton checks, with their settings and how many findings each has open."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select

from api.auth.deps import ViewerDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import VIEWER_RESPONSES, PolicyDep
from api.views.params import FormatParam
from api.views.rules import RuleCatalogue, RuleInfo, catalogue_from_policy
from models.tables import FINDINGS

__all__ = ["get_rule_catalogue", "router"]

router = APIRouter(prefix="/api/v1/rules", tags=["rules"])

RULE_CSV_COLUMNS = ("id", "name", "enabled", "severity", "open_findings", "description")


def get_rule_catalogue(request: Request) -> RuleCatalogue:
    """The app's catalogue provider (``create_app(rule_catalogue=...)``), else the policy-based one."""
    provider = getattr(request.app.state, "rule_catalogue", None)
    return provider if callable(provider) else catalogue_from_policy


@router.get(
    "", response_model=list[RuleInfo], summary="The rule catalogue", responses={**VIEWER_RESPONSES, **CSV_RESPONSE}
)
def list_rules(
    request: Request,
    database: DatabaseDep,
    policy: PolicyDep,
    catalogue: Annotated[RuleCatalogue, Depends(get_rule_catalogue)],
    _key: ViewerDep,
    format: FormatParam = None,
) -> list[RuleInfo] | StreamingResponse:
    """Every rule: what it checks, enabled, severity, thresholds, exemptions, team overrides, open findings."""
    with database.read_session() as session:
        counts = dict(
            session.execute(
                select(FINDINGS.c.rule_id, func.count())
                .where(FINDINGS.c.resolved_at.is_(None))
                .group_by(FINDINGS.c.rule_id)
            ).all()
        )
    rules = [rule.model_copy(update={"open_findings": int(counts.get(rule.id, 0))}) for rule in catalogue(policy)]
    if wants_csv(request, format):
        return csv_response(RULE_CSV_COLUMNS, [[r.model_dump() for r in rules]], filename="rules")
    return rules
