"""Hypothesis, through the store: a finding resolves once its cause is fixed upstream.

Each example plants a cause on a Jira issue as the connector delivers it (a ``WorkItemIn`` written by the
``StoreWriter``), evaluates (a sweep, or the on-change path for that item), then delivers a newer version with the
cause fixed and evaluates again: the finding opened first and is resolved now, never left open.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from connectors.records import WorkItemIn
from core.policy import RuleId
from models.db import Database
from models.enums import StatusCategory
from models.tables import FINDINGS
from sync.rules.evaluate import evaluate_items, run_sweep
from tests.rules.builders import DAY, NOW, Store, comment, jira_item, policy, transition

NUMBERS = itertools.count(1_000)  # one fresh issue per example: examples share the test's database
FIXED_AT = NOW - timedelta(minutes=5)


@dataclass(frozen=True)
class Cause:
    """A rule, the fields that make an issue break it, and the fields of the same issue fixed upstream."""

    rule: RuleId
    broken: dict[str, Any]
    fixed: dict[str, Any]


def in_progress(days_ago: int) -> dict[str, Any]:
    started = NOW - days_ago * DAY
    return {
        "status_raw": "In Progress",
        "status_category": StatusCategory.IN_PROGRESS,
        "assignee_external_id": "u1",
        "transitions": (
            transition(NOW - 40 * DAY, "To Do", StatusCategory.TODO, event="created"),
            transition(started, "In Progress", StatusCategory.IN_PROGRESS, source="To Do", event="started"),
            comment(NOW - DAY),
        ),
        "created_at": NOW - 40 * DAY,
    }


DONE = {
    "status_raw": "Done",
    "status_category": StatusCategory.DONE,
    "resolution": "Done",
    "resolved_at": FIXED_AT,
}


@st.composite
def causes(draw: st.DrawFn) -> Cause:
    days = draw(st.integers(min_value=1, max_value=60))
    kind = draw(st.sampled_from(["R04", "R05", "R06", "R08", "R01", "R19"]))
    if kind == "R05":
        status = draw(st.sampled_from([{}, in_progress(2)]))
        return Cause(RuleId.R05, {**status, "estimate": None}, {**status, "estimate": draw(st.sampled_from([1, 3, 8]))})
    if kind == "R06":
        moving = in_progress(2)
        return Cause(RuleId.R06, {**moving, "assignee_external_id": None}, {**moving, "assignee_external_id": "u2"})
    if kind == "R08":
        fix = draw(st.sampled_from([{"due": NOW.date() + days * DAY}, DONE]))
        return Cause(RuleId.R08, {"due": NOW.date() - days * DAY}, {"due": NOW.date() - days * DAY, **fix})
    if kind == "R01":
        created = NOW - (30 + days) * DAY
        opened = (transition(created, "To Do", StatusCategory.TODO, event="created"),)
        return Cause(
            RuleId.R01,
            {"created_at": created, "transitions": opened},
            {"created_at": created, "transitions": (*opened, comment(FIXED_AT, author="u2"))},
        )
    if kind == "R19":
        done = {**DONE, "resolved_at": NOW - days * DAY}
        return Cause(RuleId.R19, {**done, "resolution": None}, done)
    blocked = {**in_progress(3 + days), "created_at": NOW - (3 + days) * DAY - DAY}
    return Cause(RuleId.R04, {**blocked, "labels": ("blocked", "api")}, {**blocked, "labels": ("api",)})


def open_finding(database: Database, rule: RuleId, item_id: int) -> int | None:
    with database.read_session() as session:
        return session.execute(
            select(FINDINGS.c.id).where(
                FINDINGS.c.rule_id == rule.value,
                FINDINGS.c.work_item_id == item_id,
                FINDINGS.c.resolved_at.is_(None),
            )
        ).scalar_one_or_none()


def resolved_at(database: Database, finding_id: int) -> object:
    with database.read_session() as session:
        return session.execute(select(FINDINGS.c.resolved_at).where(FINDINGS.c.id == finding_id)).scalar_one()


Evaluate = Callable[[Database, int], object]
EVALUATIONS: dict[str, Evaluate] = {
    "sweep": lambda database, _: run_sweep(database, policy(), NOW),
    "on change": lambda database, item_id: evaluate_items(database, policy(), [item_id], NOW),
}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cause=causes(), evaluation=st.sampled_from(sorted(EVALUATIONS)))
def test_a_finding_resolves_when_its_cause_is_fixed_upstream(database: Database, cause: Cause, evaluation: str) -> None:
    number = next(NUMBERS)
    store = Store(database)
    evaluate = EVALUATIONS[evaluation]
    broken: WorkItemIn = jira_item(number, **cause.broken)
    [item_id] = store.put(broken)
    evaluate(database, item_id)
    finding = open_finding(database, cause.rule, item_id)
    assert finding is not None, (cause.rule, "did not fire on its planted cause")
    fixed = jira_item(number, **cause.fixed, updated_at=FIXED_AT, version="2")
    assert store.put(fixed) == [item_id]
    evaluate(database, item_id)
    assert open_finding(database, cause.rule, item_id) is None
    assert resolved_at(database, finding) is not None
