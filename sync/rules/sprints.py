"""Sprint rules: R09 scope creep (per active sprint) and R10 carry-over (per item)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.policy import RuleId
from core.policy.rules import CarryOver, ScopeCreep, ScopeMeasure
from models.enums import SprintState, StatusCategory
from sync.rule_inputs import RuleItem, SprintInfo
from sync.rules.base import Fired, RuleContext, SubjectType, applicable, item_finding, settings_for
from sync.rules.signals import category_at

__all__ = ["SprintAddition", "SprintScope", "carry_over", "scope_creep"]


@dataclass(frozen=True, slots=True)
class SprintAddition:
    """One item currently in a sprint: when it was (last) added and its points."""

    item_id: int
    added_at: datetime | None
    points: float


@dataclass(frozen=True, slots=True)
class SprintScope:
    """An active sprint, its owning team and the items in it."""

    sprint: SprintInfo
    team: str | None
    additions: tuple[SprintAddition, ...]


def scope_creep(scope: SprintScope, ctx: RuleContext) -> Fired | None:
    """Items added to the active sprint more than 24 hours after it started exceed 20% of what it started with,
    counted in items or in story points (either, by default)."""
    sprint = scope.sprint
    settings = settings_for(ctx, RuleId.R09, scope.team, ScopeCreep)
    if not settings.enabled or sprint.state is not SprintState.ACTIVE or sprint.start_at is None:
        return None
    cutoff = sprint.start_at + timedelta(hours=settings.grace_hours)
    late = [a for a in scope.additions if a.added_at is not None and a.added_at > cutoff]
    initial = [a for a in scope.additions if a.added_at is None or a.added_at <= cutoff]
    share = settings.max_added_percent / 100
    late_points, initial_points = sum(a.points for a in late), sum(a.points for a in initial)
    by_count = len(late) > share * len(initial)
    by_points = late_points > share * initial_points
    fired = {
        ScopeMeasure.COUNT: by_count,
        ScopeMeasure.POINTS: by_points,
        ScopeMeasure.EITHER: by_count or by_points,
    }[settings.measure]
    if not fired:
        return None
    return Fired(
        rule_id=RuleId.R09,
        subject_type=SubjectType.SPRINT,
        subject_key=str(sprint.id),
        message=(
            f"{sprint.name} grew by {len(late)} items ({late_points:g} points) after it started, over "
            f"{settings.max_added_percent:g}% of its starting {len(initial)} items ({initial_points:g} points)."
        ),
        severity=settings.severity,
        team=scope.team,
        url=sprint.url,
        details={
            "sprint": sprint.external_id,
            "initial_items": len(initial),
            "added_items": len(late),
            "initial_points": initial_points,
            "added_points": late_points,
            "added_item_ids": [a.item_id for a in late],
        },
    )


def carry_over(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """An open item was still in 2 or more sprints when they closed, without reaching done."""
    if not item.is_open or not item.sprints:
        return None
    settings = applicable(item, ctx, RuleId.R10, CarryOver)
    if settings is None:
        return None
    carried: list[SprintInfo] = []
    for stay in item.sprints:
        sprint = ctx.sprints.get(stay.sprint_id)
        if sprint is None or sprint.state is not SprintState.CLOSED:
            continue
        closed = sprint.complete_at or sprint.end_at
        if closed is None:
            continue
        member = (stay.added_at is None or stay.added_at <= closed) and (
            stay.removed_at is None or stay.removed_at >= closed
        )
        if member and category_at(item, closed) is not StatusCategory.DONE:
            carried.append(sprint)
    if len(carried) < settings.sprints:
        return None
    names = ", ".join(s.name for s in sorted(carried, key=lambda s: (s.complete_at or s.end_at or ctx.now, s.id)))
    return item_finding(
        RuleId.R10,
        item,
        settings,
        f"{item.display} was carried over {len(carried)} closed sprints without being done ({names}).",
        sprints=[s.external_id for s in carried],
    )
