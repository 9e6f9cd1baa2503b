"""Scenarios: the recipe each item follows, the rule (if any) it is planted for, and the cycle tables."""

from __future__ import annotations

from enum import StrEnum

from emulators.org.model import Vendor

__all__ = [
    "ACTIVE_UNITS",
    "BULK_UNITS",
    "CREEP_UNITS",
    "SEAT_SCENARIOS",
    "Rule",
    "Scenario",
    "creation_window",
    "planted_rule",
    "resolve_for_vendor",
]


class Rule(StrEnum):
    """The rule catalogue of rules.md."""

    R01 = "R01"
    R02 = "R02"
    R03 = "R03"
    R04 = "R04"
    R05 = "R05"
    R06 = "R06"
    R07 = "R07"
    R08 = "R08"
    R09 = "R09"
    R10 = "R10"
    R11 = "R11"
    R12 = "R12"
    R13 = "R13"
    R14 = "R14"
    R15 = "R15"
    R16 = "R16"
    R17 = "R17"
    R18 = "R18"
    R19 = "R19"
    R20 = "R20"


class Scenario(StrEnum):
    """One recipe per kind of item; the planted ones name their rule in `planted_rule`."""

    EPIC = "epic"
    WIP_OVERLOAD = "wip_overload"
    LINK_OPEN = "link_open"
    LINK_DONE = "link_done"
    LINK_MISMATCH_DONE = "link_mismatch_done"
    LINK_MISMATCH_OPEN = "link_mismatch_open"
    DUP_TWIN = "dup_twin"
    WIP = "wip"
    WIP_REVIEW = "wip_review"
    WIP_BLOCKED = "wip_blocked"
    STALE_WIP = "stale_wip"
    AGING_WIP = "aging_wip"
    BLOCKED_LONG = "blocked_long"
    WIP_UNASSIGNED = "wip_unassigned"
    SPRINT_TODO = "sprint_todo"
    SPRINT_DONE = "sprint_done"
    SPRINT_LATE = "sprint_late"
    SPRINT_CREEP = "sprint_creep"
    CARRY_OVER = "carry_over"
    SPRINT_NO_ESTIMATE = "sprint_no_estimate"
    DONE = "done"
    CANCELLED = "cancelled"
    BACKLOG = "backlog"
    TODO = "todo"
    PARENT_DONE = "parent_done"
    SUBTASK_DONE = "subtask_done"
    PARENT_OPEN = "parent_open"
    SUBTASK_OPEN = "subtask_open"
    STALE_TODO = "stale_todo"
    STALE_BACKLOG = "stale_backlog"
    NO_ESTIMATE = "no_estimate"
    ORPHAN = "orphan"
    OVERDUE = "overdue"
    REOPENED = "reopened"
    SKIPPED_PROGRESS = "skipped_progress"
    PARENT_DONE_CHILD_OPEN = "parent_done_child_open"
    CHILD_OPEN_UNDER_DONE = "child_open_under_done"
    PARENT_OPEN_CHILD_DONE = "parent_open_child_done"
    CHILD_DONE_UNDER_OPEN = "child_done_under_open"
    ZOMBIE = "zombie"
    DONE_NO_RESOLUTION = "done_no_resolution"
    OPEN_WITH_RESOLUTION = "open_with_resolution"


S = Scenario
_PLANTED: dict[Scenario, Rule] = {
    S.STALE_TODO: Rule.R01,
    S.STALE_BACKLOG: Rule.R01,
    S.STALE_WIP: Rule.R02,
    S.AGING_WIP: Rule.R03,
    S.BLOCKED_LONG: Rule.R04,
    S.NO_ESTIMATE: Rule.R05,
    S.SPRINT_NO_ESTIMATE: Rule.R05,
    S.WIP_UNASSIGNED: Rule.R06,
    S.ORPHAN: Rule.R07,
    S.OVERDUE: Rule.R08,
    S.CARRY_OVER: Rule.R10,
    S.REOPENED: Rule.R11,
    S.SKIPPED_PROGRESS: Rule.R12,
    S.PARENT_DONE_CHILD_OPEN: Rule.R13,
    S.PARENT_OPEN_CHILD_DONE: Rule.R13,
    S.ZOMBIE: Rule.R15,
    S.DONE_NO_RESOLUTION: Rule.R19,
    S.OPEN_WITH_RESOLUTION: Rule.R19,
}
_JIRA_ONLY: dict[Scenario, Scenario] = {
    S.CARRY_OVER: S.SPRINT_TODO,
    S.SPRINT_LATE: S.SPRINT_TODO,
    S.SPRINT_CREEP: S.SPRINT_TODO,
    S.DONE_NO_RESOLUTION: S.DONE,
    S.OPEN_WITH_RESOLUTION: S.TODO,
}

# Scenarios holding an in-progress "seat": at most two per person, so nobody unplanned exceeds R14's 3.
SEAT_SCENARIOS = frozenset({S.WIP, S.WIP_REVIEW, S.WIP_BLOCKED, S.STALE_WIP, S.AGING_WIP, S.BLOCKED_LONG})

# The active section: in-progress work and the Jira active sprint. A unit is an item or a parent+child.
ACTIVE_UNITS: tuple[tuple[Scenario, ...], ...] = (
    *((S.WIP,),) * 4,
    *((S.WIP_REVIEW,),) * 2,
    (S.WIP_BLOCKED,),
    (S.STALE_WIP,),
    (S.AGING_WIP,),
    (S.BLOCKED_LONG,),
    (S.WIP_UNASSIGNED,),
    *((S.SPRINT_TODO,),) * 10,
    *((S.SPRINT_DONE,),) * 12,
    (S.SPRINT_LATE,),
    (S.CARRY_OVER,),
    (S.SPRINT_NO_ESTIMATE,),
)
# Extra late additions in the one team whose active sprint is planted for scope creep (R09).
CREEP_UNITS: tuple[tuple[Scenario, ...], ...] = ((S.SPRINT_CREEP,),) * 9
# The bulk: twelve months of finished work, the backlog, and most planted items.
BULK_UNITS: tuple[tuple[Scenario, ...], ...] = (
    *((S.DONE,),) * 51,
    *((S.CANCELLED,),) * 5,
    *((S.BACKLOG,),) * 14,
    *((S.TODO,),) * 10,
    *((S.PARENT_DONE, S.SUBTASK_DONE),) * 2,
    (S.PARENT_OPEN, S.SUBTASK_OPEN),
    (S.STALE_TODO,),
    (S.STALE_BACKLOG,),
    (S.NO_ESTIMATE,),
    (S.ORPHAN,),
    (S.OVERDUE,),
    (S.REOPENED,),
    (S.SKIPPED_PROGRESS,),
    (S.PARENT_DONE_CHILD_OPEN, S.CHILD_OPEN_UNDER_DONE),
    (S.PARENT_OPEN_CHILD_DONE, S.CHILD_DONE_UNDER_OPEN),
    (S.ZOMBIE,),
    (S.DONE_NO_RESOLUTION,),
    (S.OPEN_WITH_RESOLUTION,),
)

# Days before "now" within which an item of each scenario was created (min, max).
_CREATED_DAYS: dict[Scenario, tuple[float, float]] = {
    S.EPIC: (60, 170),
    S.WIP_OVERLOAD: (20, 150),
    S.WIP: (20, 150),
    S.WIP_REVIEW: (20, 150),
    S.WIP_BLOCKED: (20, 150),
    S.STALE_WIP: (20, 150),
    S.AGING_WIP: (50, 170),
    S.BLOCKED_LONG: (20, 150),
    S.WIP_UNASSIGNED: (20, 150),
    S.SPRINT_TODO: (10, 160),
    S.SPRINT_DONE: (40, 200),
    S.SPRINT_LATE: (10, 160),
    S.SPRINT_CREEP: (10, 160),
    S.CARRY_OVER: (40, 160),
    S.SPRINT_NO_ESTIMATE: (10, 160),
    S.DONE: (30, 365),
    S.CANCELLED: (30, 365),
    S.BACKLOG: (5, 160),
    S.TODO: (5, 160),
    S.PARENT_DONE: (30, 360),
    S.PARENT_OPEN: (10, 160),
    S.STALE_TODO: (45, 170),
    S.STALE_BACKLOG: (100, 175),
    S.NO_ESTIMATE: (5, 160),
    S.ORPHAN: (5, 160),
    S.OVERDUE: (5, 160),
    S.REOPENED: (40, 150),
    S.SKIPPED_PROGRESS: (30, 300),
    S.PARENT_DONE_CHILD_OPEN: (30, 160),
    S.PARENT_OPEN_CHILD_DONE: (40, 160),
    S.ZOMBIE: (190, 360),
    S.DONE_NO_RESOLUTION: (30, 365),
    S.OPEN_WITH_RESOLUTION: (5, 160),
}


def creation_window(scenario: Scenario) -> tuple[float, float] | None:
    """Age range in days at creation; None when the creation time comes from a parent or a pair."""
    return _CREATED_DAYS.get(scenario)


def planted_rule(scenario: Scenario, vendor: Vendor) -> Rule | None:
    """The rule an item of this scenario is planted for, or None for a normal item."""
    return _PLANTED.get(resolve_for_vendor(scenario, vendor))


def resolve_for_vendor(scenario: Scenario, vendor: Vendor) -> Scenario:
    """Jira-only recipes (sprints, resolutions) become their plain counterpart on Trello and Asana."""
    return scenario if vendor is Vendor.JIRA else _JIRA_ONLY.get(scenario, scenario)
