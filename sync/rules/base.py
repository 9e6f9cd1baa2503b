"""What every rule shares: the context it reads, the finding it returns, and its registry entry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from core.policy import Policy, RuleId, RuleSettings, Severity, StatusMapping, Workflow
from core.policy.rules import RulesPolicy
from sync.rule_inputs import RuleItem, SprintInfo

__all__ = [
    "CycleLimit",
    "Fired",
    "RuleContext",
    "RuleSpec",
    "SubjectType",
    "TeamProcess",
    "build_context",
    "is_exempt",
    "settings_for",
]

S = TypeVar("S", bound=RuleSettings)
T = TypeVar("T")


class SubjectType(StrEnum):
    """What a finding is about."""

    WORK_ITEM = "work_item"
    ITEM_PAIR = "item_pair"
    SPRINT = "sprint"
    PERSON = "person"
    COLUMN = "column"
    STATUS = "status"
    CONTAINER = "container"


@dataclass(frozen=True, slots=True)
class TeamProcess:
    """A team's calendar and the process settings rules read."""

    name: str | None
    timezone: ZoneInfo
    business_days: bool = False
    requires_epics: bool = False
    required_states: tuple[str, ...] = ()
    wip_limits: tuple[tuple[str, int], ...] = ()


DEFAULT_TEAM = TeamProcess(None, ZoneInfo("UTC"))


@dataclass(frozen=True, slots=True)
class CycleLimit:
    """R03's limit for a team: a cycle-time percentile, or the fallback when the sample is small."""

    seconds: float
    samples: int
    from_percentile: bool


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may read besides its subject: the time, the policy's settings, team aggregates."""

    now: datetime
    rules: RulesPolicy
    teams: Mapping[str, TeamProcess]
    workflow: Workflow
    status_mapping: StatusMapping
    sprints: Mapping[int, SprintInfo] = field(default_factory=dict)
    sprint_by_external: Mapping[tuple[int, str], SprintInfo] = field(default_factory=dict)
    cycle_limits: Mapping[str | None, CycleLimit] = field(default_factory=dict)
    _settings: dict[tuple[RuleId, str | None], RuleSettings] = field(default_factory=dict, compare=False, repr=False)

    def team(self, name: str | None) -> TeamProcess:
        """The team's process (UTC, calendar days, nothing required for an unowned item)."""
        if name is None:
            return DEFAULT_TEAM
        return self.teams.get(name, DEFAULT_TEAM)

    def settings(self, rule_id: RuleId, team: str | None) -> RuleSettings:
        """The rule's settings in force for ``team`` (cached: the policy is immutable)."""
        key = (rule_id, team)
        if key not in self._settings:
            self._settings[key] = self.rules.for_team(rule_id, team)
        return self._settings[key]


def settings_for(ctx: RuleContext, rule_id: RuleId, team: str | None, kind: type[S]) -> S:
    """The typed settings of ``rule_id`` for ``team``."""
    settings = ctx.settings(rule_id, team)
    assert isinstance(settings, kind)
    return settings


def is_exempt(item: RuleItem, settings: RuleSettings) -> bool:
    """Whether the rule's exemptions (labels, types, assignees) cover the item."""
    return settings.exempt.exempts(
        labels=list(item.labels), item_type=item.type.value, assignee_names=list(item.assignee_names)
    )


def applicable(item: RuleItem, ctx: RuleContext, rule_id: RuleId, kind: type[S]) -> S | None:
    """The rule's settings when it runs for this item (enabled, not exempt), else None."""
    settings = settings_for(ctx, rule_id, item.team, kind)
    if not settings.enabled or is_exempt(item, settings):
        return None
    return settings


@dataclass(frozen=True)
class Fired:
    """A rule firing for a subject: what becomes (or refreshes) an open finding."""

    rule_id: RuleId
    subject_type: SubjectType
    subject_key: str
    message: str
    severity: Severity
    team: str | None = None
    url: str | None = None
    work_item_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def item_finding(rule_id: RuleId, item: RuleItem, settings: RuleSettings, message: str, **details: Any) -> Fired:
    """A finding about one work item."""
    return Fired(
        rule_id=rule_id,
        subject_type=SubjectType.WORK_ITEM,
        subject_key=str(item.id),
        message=message,
        severity=settings.severity,
        team=item.team,
        url=item.url,
        work_item_id=item.id,
        details={"item": item.key or item.external_id, "source": item.source.value, **details},
    )


@dataclass(frozen=True)
class RuleSpec(Generic[T]):
    """A registered rule: its id, short name, what it reads and the pure function that evaluates it."""

    id: RuleId
    name: str
    subject: SubjectType
    evaluate: Callable[[T, RuleContext], Fired | None]

    @property
    def explanation(self) -> str:
        """The user-facing explanation: the rule function's docstring."""
        return " ".join((self.evaluate.__doc__ or "").split())


def build_context(
    policy: Policy,
    now: datetime,
    *,
    sprints: Mapping[int, SprintInfo] | None = None,
    cycle_limits: Mapping[str | None, CycleLimit] | None = None,
) -> RuleContext:
    """The context of one evaluation: the policy's rule settings and team processes at ``now``."""
    teams = {
        name: TeamProcess(
            name=name,
            timezone=ZoneInfo(team.timezone),
            business_days=team.business_days,
            requires_epics=team.requires_epics,
            required_states=tuple(team.required_states),
            wip_limits=tuple(sorted(team.wip_limits.items())),
        )
        for name, team in policy.teams.items()
    }
    sprint_map = dict(sprints or {})
    return RuleContext(
        now=now,
        rules=policy.rules,
        teams=teams,
        workflow=policy.workflow,
        status_mapping=policy.status_mapping,
        sprints=sprint_map,
        sprint_by_external={(s.connection_id, s.external_id): s for s in sprint_map.values()},
        cycle_limits=dict(cycle_limits or {}),
    )
