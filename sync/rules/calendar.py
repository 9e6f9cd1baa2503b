"""Days as a team counts them: calendar days, or business days (Mon-Fri) in the team's time zone."""

from __future__ import annotations

from datetime import date, datetime

from sync.rules.base import TeamProcess

__all__ = ["DAY_SECONDS", "elapsed_days", "local_today"]

DAY_SECONDS = 86_400.0
_ANCHOR = date(2000, 1, 3)  # a Monday


def _business_seconds_since_anchor(moment: datetime, team: TeamProcess) -> float:
    local = moment.astimezone(team.timezone)
    days = (local.date() - _ANCHOR).days
    weeks, weekday = divmod(days, 7)
    seconds_into_day = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    total = weeks * 5 * DAY_SECONDS + min(weekday, 5) * DAY_SECONDS
    if weekday < 5:
        total += seconds_into_day
    return total


def elapsed_days(start: datetime, now: datetime, team: TeamProcess) -> float:
    """Days from ``start`` to ``now``: calendar days, or business days when the team counts those."""
    if team.business_days:
        return (_business_seconds_since_anchor(now, team) - _business_seconds_since_anchor(start, team)) / DAY_SECONDS
    return (now - start).total_seconds() / DAY_SECONDS


def local_today(now: datetime, team: TeamProcess) -> date:
    """Today's date in the team's time zone."""
    return now.astimezone(team.timezone).date()
