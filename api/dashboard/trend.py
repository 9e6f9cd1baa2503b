"""The hygiene trend: each team's score in the stored reports, oldest first (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TeamTrend", "hygiene_of_report", "team_trends"]


@dataclass(frozen=True)
class TeamTrend:
    """One team's scores by report date, and the change between the last two."""

    team: str
    points: tuple[tuple[str, float], ...]

    @property
    def change(self) -> float | None:
        """The latest score minus the one before it (``None`` with fewer than two)."""
        if len(self.points) < 2:
            return None
        return round(self.points[-1][1] - self.points[-2][1], 1)


def _score(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        return _score(value.get("score"))
    return None


def hygiene_of_report(content: Mapping[str, Any]) -> dict[str, float]:
    """team -> score in a report's JSON: ``hygiene`` as {team: score}, {team: {score}} or [{team|name, score}].

    Container scores (``scope: container``) are left out; an unknown shape gives no scores rather than an error.
    """
    hygiene = content.get("hygiene")
    if isinstance(hygiene, Mapping) and isinstance(hygiene.get("teams"), list | Mapping):
        hygiene = hygiene["teams"]
    scores: dict[str, float] = {}
    if isinstance(hygiene, Mapping):
        for team, value in hygiene.items():
            score = _score(value)
            if score is not None:
                scores[str(team)] = score
    elif isinstance(hygiene, list):
        for entry in hygiene:
            if not isinstance(entry, Mapping) or entry.get("scope", "team") != "team":
                continue
            team = entry.get("team") or entry.get("name")
            score = _score(entry)
            if team is not None and score is not None:
                scores[str(team)] = score
    return scores


def team_trends(reports: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, TeamTrend]:
    """Each team's trend from (report date, report JSON) pairs, in any order."""
    by_team: dict[str, list[tuple[str, float]]] = {}
    for day, content in sorted(reports, key=lambda pair: pair[0]):
        for team, score in hygiene_of_report(content).items():
            by_team.setdefault(team, []).append((day, score))
    return {team: TeamTrend(team, tuple(points)) for team, points in sorted(by_team.items())}
