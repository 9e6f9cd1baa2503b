"""The rule catalogue: for now read from the policy's rule settings; the rules engine will provide its own.

A provider is any ``Callable[[Policy | None], Sequence[RuleInfo]]``; ``create_app(rule_catalogue=...)`` swaps it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from core.policy import Policy, RuleId, RuleSettings, RulesPolicy

__all__ = ["RuleCatalogue", "RuleInfo", "catalogue_from_policy"]

_COMMON_FIELDS = {"enabled", "severity", "exempt", "teams"}


class RuleInfo(BaseModel):
    """A rule: what it checks, whether it runs, its severity, thresholds, exemptions and team overrides."""

    id: str = Field(examples=["R02"])
    name: str = Field(examples=["stale in progress"])
    description: str = Field(examples=["in progress with no human activity for `days`."])
    enabled: bool
    severity: str = Field(examples=["medium"])
    thresholds: dict[str, Any] = Field(
        description='The rule\'s own settings, e.g. {"days": 5}.', examples=[{"days": 5}]
    )
    exemptions: dict[str, list[str]] = Field(description="Labels, types and assignees the rule leaves alone.")
    team_overrides: dict[str, dict[str, Any]] = Field(description="Per-team settings that differ from the rule's.")
    open_findings: int = Field(default=0, description="Open findings of this rule in the store.")


RuleCatalogue = Callable[[Policy | None], Sequence[RuleInfo]]


def _describe(settings: RuleSettings, rule_id: RuleId) -> tuple[str, str]:
    doc = (type(settings).__doc__ or "").strip().splitlines()[0] if type(settings).__doc__ else ""
    head, _, tail = doc.partition(":")
    name = head.removeprefix(rule_id.value).strip() or rule_id.value
    return name, tail.strip()


def catalogue_from_policy(policy: Policy | None) -> list[RuleInfo]:
    """Every rule R01-R20 with the settings in force (the defaults without a policy file)."""
    rules = policy.rules if policy is not None else RulesPolicy()
    catalogue = []
    for rule_id in RuleId:
        settings = rules.get(rule_id)
        name, description = _describe(settings, rule_id)
        dumped = settings.model_dump(mode="json")
        catalogue.append(
            RuleInfo(
                id=rule_id.value,
                name=name,
                description=description,
                enabled=settings.enabled,
                severity=str(settings.severity),
                thresholds={k: v for k, v in dumped.items() if k not in _COMMON_FIELDS},
                exemptions={k: [str(x) for x in v] for k, v in dumped["exempt"].items()},
                team_overrides={
                    team: override.model_dump(mode="json", exclude_unset=True, exclude={"teams"})
                    for team, override in settings.teams.items()
                },
            )
        )
    return catalogue
