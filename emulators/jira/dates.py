"""JQL date values: absolute (`"yyyy-MM-dd HH:mm"`, `yyyy/MM/dd HH:mm`, `yyyy-MM-dd`) in the searching user's
time zone, relative (`-15m`, `-2d`, `1w`) from the emulator clock, or epoch milliseconds."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from emulators.jira.jql import JqlError

__all__ = ["parse_jql_date"]

_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
_RELATIVE = re.compile(r"^([+-]?)(\d+)([wdhm])$")
_UNIT_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}


def parse_jql_date(value: str, *, time_zone: str, now: float, field: str) -> float:
    """The POSIX time a JQL date value stands for; JqlError when it is not a date Jira accepts."""
    text = value.strip()
    relative = _RELATIVE.match(text)
    if relative:
        sign, amount, unit = relative.groups()
        delta = int(amount) * _UNIT_SECONDS[unit]
        return now - delta if sign == "-" else now + delta
    if text.isdigit() and len(text) >= 10:
        return int(text) / 1000.0
    for pattern in _FORMATS:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=ZoneInfo(time_zone)).timestamp()
    raise JqlError(
        f"Date value '{value}' for field '{field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )
