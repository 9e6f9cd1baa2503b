"""The rules engine: R01-R20 as pure functions, registered by id; evaluation entry points in ``evaluate``."""

from sync.rules.base import CycleLimit, Fired, RuleContext, RuleSpec, SubjectType, TeamProcess, build_context
from sync.rules.registry import ITEM_RULES, RULES, rule_spec

__all__ = [
    "ITEM_RULES",
    "RULES",
    "CycleLimit",
    "Fired",
    "RuleContext",
    "RuleSpec",
    "SubjectType",
    "TeamProcess",
    "build_context",
    "rule_spec",
]
