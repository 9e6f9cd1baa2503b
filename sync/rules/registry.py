"""The rule registry: every rule by id, its name, its subject and its pure evaluation function."""

from __future__ import annotations

from typing import Any

from core.policy import RuleId
from sync.rule_inputs import RuleItem
from sync.rules.base import RuleSpec, SubjectType
from sync.rules.blocking import blocked_too_long, column_over_limit, person_over_limit
from sync.rules.completeness import done_without_resolution, missing_assignee, missing_estimate, orphan, overdue
from sync.rules.cross_tool import duplicate_candidate, linked_status_mismatch
from sync.rules.sprints import carry_over, scope_creep
from sync.rules.staleness import aging_wip, stale, stale_in_progress, zombie_backlog
from sync.rules.workflow import (
    parent_child_inconsistent,
    reopened,
    skipped_workflow,
    unmapped_status,
    workflow_drift,
)

__all__ = ["COLUMN_WIP", "ITEM_RULES", "RULES", "SET_RULE_IDS", "rule_spec"]

_W = SubjectType.WORK_ITEM
ITEM_RULES: tuple[RuleSpec[RuleItem], ...] = (
    RuleSpec(RuleId.R01, "stale", _W, stale),
    RuleSpec(RuleId.R02, "stale in progress", _W, stale_in_progress),
    RuleSpec(RuleId.R03, "aging WIP", _W, aging_wip),
    RuleSpec(RuleId.R04, "blocked too long", _W, blocked_too_long),
    RuleSpec(RuleId.R05, "missing estimate", _W, missing_estimate),
    RuleSpec(RuleId.R06, "missing assignee", _W, missing_assignee),
    RuleSpec(RuleId.R07, "orphan", _W, orphan),
    RuleSpec(RuleId.R08, "overdue", _W, overdue),
    RuleSpec(RuleId.R10, "carry-over", _W, carry_over),
    RuleSpec(RuleId.R11, "reopened", _W, reopened),
    RuleSpec(RuleId.R12, "skipped workflow", _W, skipped_workflow),
    RuleSpec(RuleId.R13, "parent/child inconsistent", _W, parent_child_inconsistent),
    RuleSpec(RuleId.R15, "zombie backlog", _W, zombie_backlog),
    RuleSpec(RuleId.R19, "done without resolution", _W, done_without_resolution),
)
COLUMN_WIP: RuleSpec[Any] = RuleSpec(RuleId.R14, "WIP limit (column)", SubjectType.COLUMN, column_over_limit)
_SET_RULES: tuple[RuleSpec[Any], ...] = (
    RuleSpec(RuleId.R09, "scope creep", SubjectType.SPRINT, scope_creep),
    RuleSpec(RuleId.R14, "WIP limit", SubjectType.PERSON, person_over_limit),
    RuleSpec(RuleId.R16, "linked status mismatch", SubjectType.ITEM_PAIR, linked_status_mismatch),
    RuleSpec(RuleId.R17, "duplicate candidate", SubjectType.ITEM_PAIR, duplicate_candidate),
    RuleSpec(RuleId.R18, "unmapped status", SubjectType.STATUS, unmapped_status),
    RuleSpec(RuleId.R20, "workflow drift", SubjectType.CONTAINER, workflow_drift),
)
RULES: dict[RuleId, RuleSpec[Any]] = {spec.id: spec for spec in sorted((*ITEM_RULES, *_SET_RULES), key=lambda s: s.id)}
SET_RULE_IDS = frozenset(spec.id for spec in _SET_RULES)


def rule_spec(rule_id: RuleId) -> RuleSpec[Any]:
    """The registered rule with this id."""
    return RULES[rule_id]
