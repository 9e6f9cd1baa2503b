"""Workflow rules: R11 reopened, R12 skipped workflow, R13 parent/child inconsistent, R18 unmapped status,
R20 workflow drift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.policy import RuleId
from core.policy.rules import ParentChildInconsistent, Reopened, SkippedWorkflow, UnmappedStatus, WorkflowDrift
from core.policy.status_mapping import normalise_status
from models.enums import StatusCategory
from sync.rule_inputs import ContainerInfo, RuleItem, is_open
from sync.rules.base import Fired, RuleContext, SubjectType, applicable, item_finding, settings_for
from sync.rules.calendar import elapsed_days
from sync.rules.signals import visited_statuses

__all__ = [
    "ObservedStatus",
    "ObservedWorkflow",
    "parent_child_inconsistent",
    "reopened",
    "skipped_workflow",
    "unmapped_status",
    "workflow_drift",
]


def reopened(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """The item moved from done or cancelled back to an open status within the last 30 days."""
    settings = applicable(item, ctx, RuleId.R11, Reopened)
    if settings is None:
        return None
    since = ctx.now - timedelta(days=settings.window_days)
    moves = [
        change
        for change in item.status_changes()
        if change.at >= since
        and change.from_category is not None
        and not is_open(change.from_category)
        and change.to_category is not None
        and is_open(change.to_category)
    ]
    if not moves:
        return None
    last = moves[-1]
    return item_finding(
        RuleId.R11,
        item,
        settings,
        f"{item.display} was reopened on {last.at.date().isoformat()} (from {last.from_value} to {last.to_value}).",
        reopened_at=last.at.isoformat(),
        times=len(moves),
    )


def skipped_workflow(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """The item reached done without any time in progress, or without passing a state the team's policy requires
    (e.g. In Review)."""
    if item.status_category is not StatusCategory.DONE:
        return None
    settings = applicable(item, ctx, RuleId.R12, SkippedWorkflow)
    if settings is None:
        return None
    visited = visited_statuses(item)
    no_progress = settings.require_in_progress and not any(
        change.to_category is StatusCategory.IN_PROGRESS for change in item.status_changes()
    )
    required = ctx.team(item.team).required_states
    skipped = [state for state in required if normalise_status(state) not in visited]
    if not no_progress and not skipped:
        return None
    if no_progress:
        message = f"{item.display} reached {item.status_raw} without ever being in progress."
    else:
        message = f"{item.display} reached {item.status_raw} without passing {', '.join(skipped)}."
    return item_finding(RuleId.R12, item, settings, message, skipped=skipped, no_progress=no_progress)


def parent_child_inconsistent(item: RuleItem, ctx: RuleContext) -> Fired | None:
    """A parent is done while a child is open, or every child is done and the parent is still open 5 days after
    the last one finished."""
    if not item.children:
        return None
    settings = applicable(item, ctx, RuleId.R13, ParentChildInconsistent)
    if settings is None:
        return None
    open_children = [child for child in item.children if is_open(child.category)]
    if item.status_category is StatusCategory.DONE and open_children:
        return item_finding(
            RuleId.R13,
            item,
            settings,
            f"{item.display} is {item.status_raw} but {len(open_children)} of its children are still open.",
            open_children=[child.id for child in open_children],
        )
    if not item.is_open or open_children:
        return None
    done = [child for child in item.children if child.category is StatusCategory.DONE]
    if not done:
        return None
    finished = [child.resolved_at for child in done if child.resolved_at is not None]
    if not finished:
        return None
    last = max(finished)
    days = elapsed_days(last, ctx.now, ctx.team(item.team))
    if days <= settings.parent_grace_days:
        return None
    return item_finding(
        RuleId.R13,
        item,
        settings,
        f"Every child of {item.display} is done (the last {int(days)} days ago) but it is still {item.status_raw}.",
        last_child_done_at=last.isoformat(),
        grace_days=settings.parent_grace_days,
    )


@dataclass(frozen=True, slots=True)
class ObservedStatus:
    """A raw status / list / section seen in a container, with the category a mapping gives it (None: none)."""

    container: ContainerInfo
    raw: str
    category: StatusCategory | None
    items: int


def unmapped_status(status: ObservedStatus, ctx: RuleContext) -> Fired | None:
    """A raw status, Trello list or Asana section is covered by no status mapping: a team invented a column."""
    if status.category is not None and status.category is not StatusCategory.UNKNOWN:
        return None
    settings = settings_for(ctx, RuleId.R18, status.container.team, UnmappedStatus)
    if not settings.enabled:
        return None
    owner = f" of team {status.container.team}" if status.container.team else ""
    return Fired(
        rule_id=RuleId.R18,
        subject_type=SubjectType.STATUS,
        subject_key=f"{status.container.id}:{normalise_status(status.raw)}",
        message=(
            f'"{status.raw}" in {status.container.name}{owner} is not mapped to any status category '
            f"({status.items} items); add it to the policy's status_mapping."
        ),
        severity=settings.severity,
        team=status.container.team,
        url=status.container.url,
        details={"container": status.container.external_id, "status": status.raw, "items": status.items},
    )


@dataclass(frozen=True, slots=True)
class ObservedWorkflow:
    """The statuses and moves a container's items show; ``complete`` when the tool lists every column."""

    container: ContainerInfo
    statuses: tuple[str, ...]
    transitions: tuple[tuple[str, str, int], ...]
    complete: bool


def workflow_drift(workflow: ObservedWorkflow, ctx: RuleContext) -> Fired | None:
    """A team's set of statuses (or the moves between them) differs from the organisation's reference workflow."""
    settings = settings_for(ctx, RuleId.R20, workflow.container.team, WorkflowDrift)
    reference = ctx.workflow
    if not settings.enabled or not reference.states:
        return None
    expected = {normalise_status(state.name): state.name for state in reference.states}
    seen = {normalise_status(name): name for name in workflow.statuses}
    extra = sorted(name for key, name in seen.items() if key not in expected)
    missing = sorted(name for key, name in expected.items() if key not in seen) if workflow.complete else []
    moves = sorted(
        (f"{source} -> {target}", count)
        for source, target, count in workflow.transitions
        if normalise_status(source) in expected
        and normalise_status(target) in expected
        and normalise_status(source) != normalise_status(target)
        and not reference.allows(source, target)
    )
    if not extra and not missing and not moves:
        return None
    parts = []
    if extra:
        parts.append(f"adds {', '.join(extra)}")
    if missing:
        parts.append(f"lacks {', '.join(missing)}")
    if moves:
        parts.append(f"uses {len(moves)} moves the reference does not allow (e.g. {moves[0][0]})")
    owner = f"Team {workflow.container.team}'s" if workflow.container.team else "The"
    return Fired(
        rule_id=RuleId.R20,
        subject_type=SubjectType.CONTAINER,
        subject_key=str(workflow.container.id),
        message=f"{owner} workflow in {workflow.container.name} {' and '.join(parts)} compared with the reference.",
        severity=settings.severity,
        team=workflow.container.team,
        url=workflow.container.url,
        details={
            "container": workflow.container.external_id,
            "extra": extra,
            "missing": missing,
            "moves": [{"move": move, "count": count} for move, count in moves],
        },
    )
