"""What a report contains: plain, JSON-serialisable models (the JSON format is ``ReportData.model_dump``).

Nothing here depends on when the report was generated: the same store and date give the same data, so the
same JSON, Markdown and HTML (and the same content hash).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "FindingLine",
    "FindingList",
    "FindingsDelta",
    "FlowCharts",
    "HealthBanner",
    "HygieneRow",
    "ReportData",
    "SprintRow",
    "StaleConnection",
]

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StaleConnection(_Model):
    """A connection whose last successful sync is older than twice its schedule."""

    connection: str
    vendor: str
    last_success_at: str | None = Field(description="ISO time (UTC), or null when it never succeeded.")
    expected_every_minutes: int


class FindingLine(_Model):
    """One open finding as the report shows it."""

    id: int
    rule_id: str
    team: str | None
    severity: str
    message: str
    url: str | None = Field(description="The subject in its own tool.")
    first_seen: str = Field(description="Date (in the report's time zone) the finding was first seen.")
    age_days: int


class FindingList(_Model):
    """The first findings of a kind (oldest first) and how many there are in all."""

    total: int
    shown: list[FindingLine]


class HealthBanner(_Model):
    """Sync health: the banner at the top; ``ok`` is false when the report may rest on stale or partial data."""

    ok: bool
    headline: str
    stale_connections: list[StaleConnection]
    webhook_gaps: list[FindingLine]
    mass_disappearances: list[FindingLine]
    other: list[FindingLine]


class HygieneRow(_Model):
    """A team's hygiene score and its change since the previous stored report."""

    team: str
    open_items: int
    items_with_findings: int
    score: float
    previous_score: float | None
    change: float | None


class FindingsDelta(_Model):
    """Findings opened and resolved in (since, until], per rule."""

    since: str
    until: str
    opened: dict[str, int]
    resolved: dict[str, int]
    opened_total: int
    resolved_total: int


class SprintRow(_Model):
    """An active sprint: its scope at start, what was added later, and carry-over from earlier sprints."""

    sprint: str
    connection: str
    team: str | None
    start: str | None
    end: str | None
    items: int
    committed_at_start: int
    added_after_start: int
    scope_creep_pct: float | None
    carried_over: int


class FlowCharts(_Model):
    """The series behind the flow charts."""

    weeks: list[str] = Field(description="Monday of each ISO week, oldest first.")
    throughput: list[int]
    cycle_p50: list[float | None] = Field(description="Days, per week of completion.")
    cycle_p85: list[float | None]
    cycle_p95: list[float | None]
    days: list[str]
    wip: list[int] = Field(description="Items in progress at the end of each day.")


class ReportData(_Model):
    """The whole report, in the order it is shown."""

    schema_version: int = SCHEMA_VERSION
    report_date: str
    team_scope: str = Field(description="A team, or * for the whole organisation.")
    timezone: str
    previous_report_date: str | None
    health: HealthBanner
    hygiene: list[HygieneRow]
    findings_delta: FindingsDelta
    open_findings_total: int
    oldest_by_rule: dict[str, FindingList]
    stale_wip: FindingList
    aging_wip: FindingList
    overdue: FindingList
    sprints: list[SprintRow]
    unmapped_statuses: FindingList
    flow: FlowCharts
