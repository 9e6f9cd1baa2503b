"""Staleness rules: R01 stale, R02 stale in progress, R03 aging WIP, R15 zombie backlog."""

from __future__ import annotations

from core.policy import RuleId
from core.policy.rules import AgingWip, Stale, StaleInProgress, ZombieBacklog
from models.enums import StatusCategory
from sync.rule_inputs import RuleItem
from sync.rules.base import CycleLimit, Fired, RuleContext, applicable, item_finding
from sync.rules.calendar import DAY_SECONDS, elapsed_days
from sync.rules.signals import ever_in_progress, in_progress_spell_start

__all__ = ["aging_wip", "stale", "stale_in_progress", "zombie_backlog"]


def _days(value: float) -> int:
    return int(value)


def stale(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """An open item in the backlog or to do has had no human activity (changes by bots do not count) for longer
    than the limit: 30 days in to do, 90 days in the backlog by default."""
    if item.status_category not in (StatusCategory.BACKLOG, StatusCategory.TODO) or item.last_activity_at is None:
        return None
    settings = applicable(item, ctx, RuleId.R01, Stale)
    if settings is None:
        return None
    limit = settings.backlog_days if item.status_category is StatusCategory.BACKLOG else settings.days
    idle = elapsed_days(item.last_activity_at, ctx.now, ctx.team(item.team))
    if idle <= limit:
        return None
    return item_finding(
        RuleId.R01,
        item,
        settings,
        f"{item.display} has had no activity for {_days(idle)} days in {item.status_raw} (limit {limit}).",
        idle_days=round(idle, 2),
        limit_days=limit,
        last_activity_at=item.last_activity_at.isoformat(),
    )


def stale_in_progress(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """An item in progress has had no human activity for longer than the limit (5 days by default)."""
    if item.status_category is not StatusCategory.IN_PROGRESS or item.last_activity_at is None:
        return None
    settings = applicable(item, ctx, RuleId.R02, StaleInProgress)
    if settings is None:
        return None
    idle = elapsed_days(item.last_activity_at, ctx.now, ctx.team(item.team))
    if idle <= settings.days:
        return None
    return item_finding(
        RuleId.R02,
        item,
        settings,
        f"{item.display} has been {item.status_raw} for {_days(idle)} days with no activity (limit {settings.days}).",
        idle_days=round(idle, 2),
        limit_days=settings.days,
        last_activity_at=item.last_activity_at.isoformat(),
    )


def aging_wip(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """The item's current in-progress spell is longer than the team's usual cycle time: the 85th percentile of the
    cycle times of items finished in the last 90 days (10 days when fewer than 20 items finished)."""
    if item.status_category is not StatusCategory.IN_PROGRESS:
        return None
    settings = applicable(item, ctx, RuleId.R03, AgingWip)
    if settings is None:
        return None
    start = in_progress_spell_start(item)
    if start is None:
        return None
    limit = ctx.cycle_limits.get(item.team) or CycleLimit(settings.fallback_days * DAY_SECONDS, 0, False)
    spell = (ctx.now - start).total_seconds()
    if spell <= limit.seconds:
        return None
    basis = (
        f"the team's {settings.percentile:g}th-percentile cycle time" if limit.from_percentile else "the fallback limit"
    )
    return item_finding(
        RuleId.R03,
        item,
        settings,
        f"{item.display} has been in progress for {spell / DAY_SECONDS:.1f} days, longer than {basis} "
        f"({limit.seconds / DAY_SECONDS:.1f} days).",
        spell_days=round(spell / DAY_SECONDS, 2),
        limit_days=round(limit.seconds / DAY_SECONDS, 2),
        samples=limit.samples,
        in_progress_since=start.isoformat(),
    )


def zombie_backlog(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """An item in the backlog or to do was created long ago (180 days by default) and has never been started."""
    if item.status_category not in (StatusCategory.BACKLOG, StatusCategory.TODO) or item.created_at is None:
        return None
    settings = applicable(item, ctx, RuleId.R15, ZombieBacklog)
    if settings is None:
        return None
    age = elapsed_days(item.created_at, ctx.now, ctx.team(item.team))
    if age <= settings.days or ever_in_progress(item):
        return None
    return item_finding(
        RuleId.R15,
        item,
        settings,
        f"{item.display} was created {_days(age)} days ago and has never been started (limit {settings.days}).",
        age_days=round(age, 2),
        limit_days=settings.days,
    )
