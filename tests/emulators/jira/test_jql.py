"""The JQL subset parser and date values, without HTTP."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from emulators.jira.dates import parse_jql_date
from emulators.jira.jql import JqlError, JqlField, Op, SortKey, parse_jql


def test_clauses_operators_quotes_and_order() -> None:
    query = parse_jql(
        "project in (ABC, 'DEF') and Status = \"In Progress\" AND updated >= '2025-01-31 14:05' "
        "order by updated asc, key DESC"
    )
    assert [(c.field, c.op, c.values) for c in query.clauses] == [
        (JqlField.PROJECT, Op.IN, ("ABC", "DEF")),
        (JqlField.STATUS, Op.EQ, ("In Progress",)),
        (JqlField.UPDATED, Op.GE, ("2025-01-31 14:05",)),
    ]
    assert query.order == (SortKey("updated", False), SortKey("key", True))
    assert parse_jql("key not in (A-1)").clauses[0].op is Op.NOT_IN
    assert not parse_jql("ORDER BY created").bounded


@pytest.mark.parametrize(
    "text",
    [
        "project = A OR project = B",
        "summary ~ x",
        "assignee = currentUser()",
        "project in (A",
        "created in (1)",
        "status > 3",
        "order by rank",
    ],
)
def test_outside_the_subset_is_a_clear_error(text: str) -> None:
    with pytest.raises(JqlError):
        parse_jql(text)


def test_dates_absolute_in_the_zone_relative_from_now_and_epoch_millis() -> None:
    zone = "America/New_York"
    expected = datetime(2025, 1, 31, 14, 5, tzinfo=ZoneInfo(zone)).timestamp()
    assert parse_jql_date("2025-01-31 14:05", time_zone=zone, now=0, field="updated") == expected
    assert parse_jql_date("2025/01/31 14:05", time_zone=zone, now=0, field="updated") == expected
    assert parse_jql_date("2025-01-31", time_zone=zone, now=0, field="updated") == expected - (14 * 3600 + 300)
    assert parse_jql_date("-15m", time_zone=zone, now=10_000, field="updated") == 10_000 - 900
    assert parse_jql_date("-2d", time_zone=zone, now=1e6, field="updated") == 1e6 - 2 * 86400
    assert parse_jql_date("1700000000000", time_zone=zone, now=0, field="updated") == 1.7e9
    with pytest.raises(JqlError):
        parse_jql_date("yesterday", time_zone=zone, now=0, field="updated")
