"""Flow-blocking rules: R04 blocked too long and R14 WIP limits (per person across tools, per team column)."""

from __future__ import annotations

from dataclasses import dataclass

from core.policy import RuleId
from core.policy.rules import BlockedTooLong, WipLimit
from sync.rule_inputs import RuleItem
from sync.rules.base import Fired, RuleContext, SubjectType, applicable, item_finding, settings_for
from sync.rules.calendar import elapsed_days
from sync.rules.signals import blocked_since

__all__ = ["ColumnLoad", "PersonLoad", "blocked_too_long", "column_over_limit", "person_over_limit"]


def blocked_too_long(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """An open item has been blocked (a status the policy calls blocked, a Jira flag, an open "is blocked by" link,
    an Asana dependency, or a blocked label) for longer than the limit (3 days by default)."""
    if not item.is_open:
        return None
    settings = applicable(item, ctx, RuleId.R04, BlockedTooLong)
    if settings is None:
        return None
    since = blocked_since(item, ctx, list(settings.labels))
    if since is None:
        return None
    days = elapsed_days(since, ctx.now, ctx.team(item.team))
    if days <= settings.days:
        return None
    return item_finding(
        RuleId.R04,
        item,
        settings,
        f"{item.display} has been blocked for {days:.1f} days (limit {settings.days}).",
        blocked_days=round(days, 2),
        limit_days=settings.days,
        blocked_since=since.isoformat(),
    )


@dataclass(frozen=True, slots=True)
class HeldItem:
    """An in-progress item a person holds."""

    id: int
    display: str
    source: str
    url: str | None
    team: str | None


@dataclass(frozen=True, slots=True)
class PersonLoad:
    """The in-progress items one person (unified across tools) holds."""

    person_key: str
    person_name: str
    items: tuple[HeldItem, ...]


@dataclass(frozen=True, slots=True)
class ColumnLoad:
    """The open items in one team column (a raw status) or status category."""

    team: str
    column: str
    count: int


def person_over_limit(load: PersonLoad, ctx: RuleContext) -> Fired | None:
    """A person holds more in-progress items across all tools than the limit (3 by default)."""
    settings = settings_for(ctx, RuleId.R14, None, WipLimit)
    if not settings.enabled or len(load.items) <= settings.per_person:
        return None
    tools = sorted({item.source for item in load.items})
    teams = sorted({item.team for item in load.items if item.team})
    return Fired(
        rule_id=RuleId.R14,
        subject_type=SubjectType.PERSON,
        subject_key=load.person_key,
        message=(
            f"{load.person_name} holds {len(load.items)} items in progress across {', '.join(tools)} "
            f"(limit {settings.per_person})."
        ),
        severity=settings.severity,
        team=teams[0] if len(teams) == 1 else None,
        details={
            "person": load.person_key,
            "limit": settings.per_person,
            "items": [item.id for item in load.items],
            "teams": teams,
        },
    )


def column_over_limit(load: ColumnLoad, ctx: RuleContext) -> Fired | None:
    """A team's column (or status category) holds more items than the team's WIP limit for it."""
    settings = settings_for(ctx, RuleId.R14, load.team, WipLimit)
    limits = dict(ctx.team(load.team).wip_limits)
    limit = limits.get(load.column)
    if not settings.enabled or limit is None or load.count <= limit:
        return None
    return Fired(
        rule_id=RuleId.R14,
        subject_type=SubjectType.COLUMN,
        subject_key=f"{load.team}:{load.column}",
        message=f"{load.column} of team {load.team} holds {load.count} items (limit {limit}).",
        severity=settings.severity,
        team=load.team,
        details={"column": load.column, "count": load.count, "limit": limit},
    )
