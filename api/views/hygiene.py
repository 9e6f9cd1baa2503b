"""Hygiene score per team and per container, computed from open findings until the rules engine stores its own.

score = 100 - 100 * sum(weight of each open item's most severe open finding) / (open items * the highest weight).
Snoozed findings do not count: a team acknowledged them. Kept small so the rules engine can replace it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from api.views.items import OPEN_CATEGORIES
from api.views.teams import container_teams
from core.policy import Hygiene, Policy, Severity
from models.tables import CONTAINERS, FINDINGS, ITEMS

__all__ = ["HygieneReport", "HygieneScore", "compute_hygiene"]


class HygieneScore(BaseModel):
    """One team's or container's score."""

    scope: Literal["team", "container"]
    name: str = Field(examples=["payments"])
    container_id: int | None = Field(description="Set when the scope is a container.")
    team: str | None
    open_items: int
    items_with_findings: int
    score: float = Field(ge=0, le=100, examples=[87.5])


class HygieneReport(BaseModel):
    """Scores now, with the weights used."""

    generated_at: datetime
    weights: dict[str, float] = Field(examples=[{"info": 0, "low": 1, "medium": 2, "high": 4}])
    scores: list[HygieneScore]


def _score(weighted: float, open_items: int, top_weight: float) -> float:
    if open_items == 0 or top_weight <= 0:
        return 100.0
    return round(max(0.0, 100.0 - 100.0 * weighted / (open_items * top_weight)), 1)


def compute_hygiene(
    session: Session, policy: Policy | None, *, by: Literal["team", "container"], now: datetime
) -> HygieneReport:
    """Scores per team (containers grouped by owner) or per container."""
    hygiene = policy.hygiene if policy is not None else Hygiene()
    weights = {str(s): hygiene.weights.weight(s) for s in Severity}
    top = max(weights.values())
    open_live = (ITEMS.c.status_category.in_(OPEN_CATEGORIES), ITEMS.c.deleted_at.is_(None))
    open_counts: dict[int, int] = {
        int(c): int(n)
        for c, n in session.execute(
            select(ITEMS.c.container_id, func.count())
            .where(ITEMS.c.container_id.is_not(None), *open_live)
            .group_by(ITEMS.c.container_id)
        )
    }
    weight = case(*((FINDINGS.c.severity == name, w) for name, w in weights.items()), else_=weights["medium"])
    per_item = (
        select(ITEMS.c.container_id.label("container_id"), func.max(weight).label("w"))
        .join(FINDINGS, FINDINGS.c.work_item_id == ITEMS.c.id)
        .where(
            FINDINGS.c.resolved_at.is_(None),
            or_(FINDINGS.c.snoozed_until.is_(None), FINDINGS.c.snoozed_until <= now),
            ITEMS.c.container_id.is_not(None),
            *open_live,
        )
        .group_by(ITEMS.c.container_id, ITEMS.c.id)
        .subquery()
    )
    flagged: dict[int, tuple[int, float]] = {
        int(c): (int(n), float(w or 0))
        for c, n, w in session.execute(
            select(per_item.c.container_id, func.count(), func.sum(per_item.c.w)).group_by(per_item.c.container_id)
        )
    }
    ids = sorted(set(open_counts) | set(flagged))
    names = dict(session.execute(select(CONTAINERS.c.id, CONTAINERS.c.name).where(CONTAINERS.c.id.in_(ids))).all())
    owners = container_teams(session, policy, ids)
    scores: list[HygieneScore] = []
    if by == "container":
        for container_id in ids:
            n, w = flagged.get(container_id, (0, 0.0))
            total = open_counts.get(container_id, 0)
            scores.append(
                HygieneScore(
                    scope="container",
                    name=str(names.get(container_id, container_id)),
                    container_id=container_id,
                    team=owners.get(container_id),
                    open_items=total,
                    items_with_findings=n,
                    score=_score(w, total, top),
                )
            )
    else:
        teams: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for container_id in ids:
            team = owners.get(container_id)
            if team is None:
                continue
            n, w = flagged.get(container_id, (0, 0.0))
            tally = teams[team]
            tally[0] += open_counts.get(container_id, 0)
            tally[1] += n
            tally[2] += w
        for team, (open_total, with_findings, weighted) in sorted(teams.items()):
            scores.append(
                HygieneScore(
                    scope="team",
                    name=team,
                    container_id=None,
                    team=team,
                    open_items=int(open_total),
                    items_with_findings=int(with_findings),
                    score=_score(weighted, int(open_total), top),
                )
            )
    return HygieneReport(generated_at=now, weights=weights, scores=scores)
