"""Rule settings: for each rule R01-R20, whether it runs, its severity, thresholds, exemptions, team overrides.

The defaults are the rule catalogue's (docs: rules.md). A per-team override sets only the keys it names;
the rest come from the rule's own settings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import Field, PositiveInt

from core.policy.base import Name, PolicyModel, Text
from core.policy.enums import ItemType, RuleId, Severity

__all__ = [
    "AgingWip",
    "BlockedTooLong",
    "CarryOver",
    "DoneWithoutResolution",
    "DuplicateCandidate",
    "Exemptions",
    "LinkedStatusMismatch",
    "MissingAssignee",
    "MissingEstimate",
    "Orphan",
    "Overdue",
    "ParentChildInconsistent",
    "Reopened",
    "RuleSettings",
    "RulesPolicy",
    "ScopeCreep",
    "ScopeMeasure",
    "SkippedWorkflow",
    "Stale",
    "StaleInProgress",
    "UnmappedStatus",
    "WipLimit",
    "WorkflowDrift",
    "ZombieBacklog",
]


class Exemptions(PolicyModel):
    """Items a rule leaves alone: any matching label, type or assignee exempts the item."""

    labels: list[Text] = Field(default_factory=list, description="Labels / tags, e.g. icebox (case-insensitive).")
    types: list[ItemType] = Field(
        default_factory=list, description="Item types: epic, story, task, bug, subtask, other."
    )
    assignees: list[Text] = Field(
        default_factory=list, description="Assignees by person name (from `people`) or e-mail address."
    )

    def exempts(self, *, labels: list[str], item_type: str | None, assignee_names: list[str]) -> bool:
        """Whether an item with these labels, type and assignee names (or e-mails) is exempt."""
        own_labels = {label.casefold() for label in self.labels}
        own_assignees = {name.casefold() for name in self.assignees}
        return (
            any(label.casefold() in own_labels for label in labels)
            or (item_type is not None and item_type in self.types)
            or any(name.casefold() in own_assignees for name in assignee_names)
        )


def _severity(default: Severity) -> Any:
    """The ``severity`` field, with a rule's own default."""
    return Field(default=default, description="info, low, medium or high.")


class RuleSettings(PolicyModel):
    """What every rule has: on/off, severity, exemptions and per-team overrides."""

    enabled: bool = Field(default=True, description="Run this rule.")
    severity: Severity = _severity(Severity.MEDIUM)
    exempt: Exemptions = Field(default_factory=Exemptions, description="Items this rule leaves alone.")
    teams: dict[Name, Self] = Field(
        default_factory=dict,
        description="Per-team overrides by team name: any of this rule's keys but `teams`, e.g. {mobile: {days: 14}}.",
    )

    def for_team(self, team: str | None) -> Self:
        """The settings in force for ``team``: this rule's, with the team's override on top."""
        override = self.teams.get(team) if team is not None else None
        changes: dict[str, Any] = {"teams": {}}
        if override is not None:
            changes.update({field: getattr(override, field) for field in override.model_fields_set if field != "teams"})
        return self.model_copy(update=changes)


class Stale(RuleSettings):
    """R01 stale: open, in backlog/todo, no human activity for `days` (`backlog_days` in the backlog)."""

    severity: Severity = _severity(Severity.LOW)
    days: PositiveInt = Field(default=30, description="Days without activity for a todo item.")
    backlog_days: PositiveInt = Field(default=90, description="Days without activity for a backlog item.")


class StaleInProgress(RuleSettings):
    """R02 stale in progress: in progress with no human activity for `days`."""

    days: PositiveInt = Field(default=5, description="Days without activity.")


class AgingWip(RuleSettings):
    """R03 aging WIP: the current in-progress spell is longer than the team's cycle-time percentile."""

    percentile: float = Field(default=85, gt=0, lt=100, description="Cycle-time percentile to compare against.")
    window_days: PositiveInt = Field(default=90, description="Finished items of the last N days make the sample.")
    fallback_days: PositiveInt = Field(default=10, description="The limit when the sample is too small.")
    min_samples: PositiveInt = Field(default=20, description="Fewer finished items than this: use fallback_days.")


class BlockedTooLong(RuleSettings):
    """R04 blocked too long: blocked (status, flag, link, dependency or label) for over `days`."""

    severity: Severity = _severity(Severity.HIGH)
    days: PositiveInt = Field(default=3, description="Days blocked.")
    labels: list[Text] = Field(default_factory=lambda: ["blocked"], description="Labels that mean blocked.")


class MissingEstimate(RuleSettings):
    """R05 missing estimate: an estimable, open, committed item with no estimate."""

    severity: Severity = _severity(Severity.LOW)
    types: list[ItemType] = Field(
        default_factory=lambda: [ItemType.STORY, ItemType.TASK, ItemType.BUG], description="The estimable types."
    )


class MissingAssignee(RuleSettings):
    """R06 missing assignee: in progress or blocked with nobody assigned."""


class Orphan(RuleSettings):
    """R07 orphan: an open non-epic with no epic ancestor, in a team whose policy says `requires_epics`."""

    severity: Severity = _severity(Severity.LOW)


class Overdue(RuleSettings):
    """R08 overdue: due date before today (the team's time zone), still open."""

    grace_days: int = Field(default=0, ge=0, description="Days past the due date before the rule fires.")


class ScopeMeasure(StrEnum):
    """What R09 counts."""

    COUNT = "count"
    POINTS = "points"
    EITHER = "either"


class ScopeCreep(RuleSettings):
    """R09 scope creep: items added to the active sprint after its start exceed a share of what it started with."""

    grace_hours: PositiveInt = Field(
        default=24, description="Additions within this many hours of the start are planning."
    )
    max_added_percent: float = Field(
        default=20, gt=0, description="The share of the starting scope allowed to be added."
    )
    measure: ScopeMeasure = Field(default=ScopeMeasure.EITHER, description="count, points, or either of them.")


class CarryOver(RuleSettings):
    """R10 carry-over: the item sat in `sprints` or more closed sprints without reaching done."""

    sprints: PositiveInt = Field(default=2, description="Closed sprints.")


class Reopened(RuleSettings):
    """R11 reopened: moved from done/cancelled back to open within `window_days`."""

    window_days: PositiveInt = Field(default=30, description="How far back a reopening counts.")


class SkippedWorkflow(RuleSettings):
    """R12 skipped workflow: done without time in progress, or skipping a state the team requires."""

    severity: Severity = _severity(Severity.LOW)
    require_in_progress: bool = Field(
        default=True, description="Fire when an item reached done with no in-progress time."
    )


class ParentChildInconsistent(RuleSettings):
    """R13 parent/child inconsistent: parent done with open children, or all children done and the parent open."""

    parent_grace_days: PositiveInt = Field(default=5, description="Days the parent may stay open after its last child.")


class WipLimit(RuleSettings):
    """R14 WIP limit: a person over `per_person` in-progress items across tools, or a column over its team limit."""

    per_person: PositiveInt = Field(default=3, description="In-progress items one person may hold across all tools.")


class ZombieBacklog(RuleSettings):
    """R15 zombie backlog: backlog/todo, created over `days` ago, never started."""

    severity: Severity = _severity(Severity.LOW)
    days: PositiveInt = Field(default=180, description="Age in days.")


class LinkedStatusMismatch(RuleSettings):
    """R16 linked status mismatch: linked items in different tools disagree (one done, one open) for over `hours`."""

    hours: PositiveInt = Field(default=24, description="Hours of disagreement tolerated.")


class DuplicateCandidate(RuleSettings):
    """R17 duplicate candidate: open unlinked items with near-identical titles, created close together."""

    severity: Severity = _severity(Severity.INFO)
    similarity: float = Field(default=0.9, gt=0, le=1, description="Minimum title similarity, 0 to 1.")
    window_days: PositiveInt = Field(default=60, description="Maximum days between the two creation dates.")


class UnmappedStatus(RuleSettings):
    """R18 unmapped status: a raw status / list / section no mapping covers."""


class DoneWithoutResolution(RuleSettings):
    """R19 done without resolution: a Jira item done without a resolution, or resolved while still open."""

    severity: Severity = _severity(Severity.LOW)


class WorkflowDrift(RuleSettings):
    """R20 workflow drift: a team's statuses or transitions differ from the reference workflow."""


class RulesPolicy(PolicyModel):
    """Settings per rule id; a rule not listed runs with its defaults."""

    unknown_key_hint: ClassVar[str] = "rule ids are R01 to R20"

    r01: Stale = Field(default_factory=Stale, alias="R01")
    r02: StaleInProgress = Field(default_factory=StaleInProgress, alias="R02")
    r03: AgingWip = Field(default_factory=AgingWip, alias="R03")
    r04: BlockedTooLong = Field(default_factory=BlockedTooLong, alias="R04")
    r05: MissingEstimate = Field(default_factory=MissingEstimate, alias="R05")
    r06: MissingAssignee = Field(default_factory=MissingAssignee, alias="R06")
    r07: Orphan = Field(default_factory=Orphan, alias="R07")
    r08: Overdue = Field(default_factory=Overdue, alias="R08")
    r09: ScopeCreep = Field(default_factory=ScopeCreep, alias="R09")
    r10: CarryOver = Field(default_factory=CarryOver, alias="R10")
    r11: Reopened = Field(default_factory=Reopened, alias="R11")
    r12: SkippedWorkflow = Field(default_factory=SkippedWorkflow, alias="R12")
    r13: ParentChildInconsistent = Field(default_factory=ParentChildInconsistent, alias="R13")
    r14: WipLimit = Field(default_factory=WipLimit, alias="R14")
    r15: ZombieBacklog = Field(default_factory=ZombieBacklog, alias="R15")
    r16: LinkedStatusMismatch = Field(default_factory=LinkedStatusMismatch, alias="R16")
    r17: DuplicateCandidate = Field(default_factory=DuplicateCandidate, alias="R17")
    r18: UnmappedStatus = Field(default_factory=UnmappedStatus, alias="R18")
    r19: DoneWithoutResolution = Field(default_factory=DoneWithoutResolution, alias="R19")
    r20: WorkflowDrift = Field(default_factory=WorkflowDrift, alias="R20")

    def get(self, rule_id: RuleId) -> RuleSettings:
        """The settings of ``rule_id`` (before any team override)."""
        settings = getattr(self, rule_id.value.lower())
        assert isinstance(settings, RuleSettings)
        return settings

    def for_team(self, rule_id: RuleId, team: str | None) -> RuleSettings:
        """The settings of ``rule_id`` in force for ``team``."""
        return self.get(rule_id).for_team(team)

    def enabled_ids(self, team: str | None = None) -> list[RuleId]:
        """The rules that run (for ``team``, when given), in id order."""
        return [rule_id for rule_id in RuleId if self.for_team(rule_id, team).enabled]
