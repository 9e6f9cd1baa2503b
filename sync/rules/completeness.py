"""Completeness rules: R05 missing estimate, R06 missing assignee, R07 orphan, R08 overdue, R19 done without
resolution."""

from __future__ import annotations

from core.policy import RuleId
from core.policy.rules import (
    BlockedTooLong,
    DoneWithoutResolution,
    MissingAssignee,
    MissingEstimate,
    Orphan,
    Overdue,
)
from models.enums import ItemType, SprintState, StatusCategory, Vendor
from sync.rule_inputs import RuleItem
from sync.rules.base import Fired, RuleContext, applicable, item_finding, settings_for
from sync.rules.calendar import local_today
from sync.rules.signals import blocked_since

__all__ = ["done_without_resolution", "missing_assignee", "missing_estimate", "orphan", "overdue"]


def _in_open_sprint(item: RuleItem, ctx: RuleContext) -> bool:
    if item.sprint_external_id is None:
        return False
    sprint = ctx.sprint_by_external.get((item.connection_id, item.sprint_external_id))
    return sprint is not None and sprint.state in (SprintState.ACTIVE, SprintState.FUTURE)


def missing_estimate(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """An open item of an estimable type (story, task, bug) is committed (in an active or future sprint, or in to
    do or in progress) but has no estimate."""
    if item.estimate is not None or not item.is_open:
        return None
    settings = applicable(item, ctx, RuleId.R05, MissingEstimate)
    if settings is None or item.type not in settings.types:
        return None
    sprint = _in_open_sprint(item, ctx)
    if not sprint and item.status_category not in (StatusCategory.TODO, StatusCategory.IN_PROGRESS):
        return None
    where = "is in a sprint" if sprint else f"is in {item.status_raw}"
    return item_finding(RuleId.R05, item, settings, f"{item.display} {where} but has no estimate.", in_sprint=sprint)


def missing_assignee(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """An item in progress or blocked has nobody assigned."""
    if item.assignee_person_id is not None or item.assignee_external_id is not None or not item.is_open:
        return None
    blocked_labels = settings_for(ctx, RuleId.R04, item.team, BlockedTooLong).labels
    in_progress = item.status_category is StatusCategory.IN_PROGRESS
    if not in_progress and blocked_since(item, ctx, list(blocked_labels)) is None:
        return None
    settings = applicable(item, ctx, RuleId.R06, MissingAssignee)
    if settings is None:
        return None
    state = item.status_raw if in_progress else "blocked"
    return item_finding(RuleId.R06, item, settings, f"{item.display} is {state} with nobody assigned.")


def orphan(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """An open item that is not an epic sits under no epic, in a team whose policy requires epics."""
    if item.type is ItemType.EPIC or not item.is_open or not ctx.team(item.team).requires_epics:
        return None
    if ItemType.EPIC in item.ancestor_types:
        return None
    settings = applicable(item, ctx, RuleId.R07, Orphan)
    if settings is None:
        return None
    return item_finding(RuleId.R07, item, settings, f"{item.display} is not under any epic (the team requires one).")


def overdue(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """An open item's due date has passed (today in the team's time zone)."""
    if item.due is None or not item.is_open:
        return None
    settings = applicable(item, ctx, RuleId.R08, Overdue)
    if settings is None:
        return None
    today = local_today(ctx.now, ctx.team(item.team))
    late = (today - item.due).days
    if late <= settings.grace_days:
        return None
    unit = "day" if late == 1 else "days"
    return item_finding(
        RuleId.R08,
        item,
        settings,
        f"{item.display} was due on {item.due.isoformat()} and is still open ({late} {unit} late).",
        due=item.due.isoformat(),
        days_late=late,
    )


def done_without_resolution(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """A Jira item is done without a resolution, or has a resolution while still open."""
    if item.source is not Vendor.JIRA:
        return None
    done_unresolved = item.status_category is StatusCategory.DONE and not item.resolution
    open_resolved = item.is_open and bool(item.resolution)
    if not (done_unresolved or open_resolved):
        return None
    settings = applicable(item, ctx, RuleId.R19, DoneWithoutResolution)
    if settings is None:
        return None
    message = (
        f"{item.display} is {item.status_raw} but has no resolution."
        if done_unresolved
        else f"{item.display} is still {item.status_raw} but has the resolution {item.resolution}."
    )
    return item_finding(RuleId.R19, item, settings, message, resolution=item.resolution)
