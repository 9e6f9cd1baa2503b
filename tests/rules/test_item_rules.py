"""Item rules on hand-made inputs: thresholds, business days, time zones, exemptions, team overrides."""

from __future__ import annotations

from datetime import date, timedelta

from core.policy import RuleId
from models.enums import ItemType, SprintState, StatusCategory
from sync.rule_inputs import ChildRef, FieldChange, ItemLink, SprintInfo, SprintStay
from sync.rules.base import CycleLimit, build_context
from sync.rules.blocking import blocked_too_long
from sync.rules.calendar import elapsed_days, local_today
from sync.rules.completeness import done_without_resolution, missing_assignee, missing_estimate, orphan, overdue
from sync.rules.evaluate import evaluate_item_rules
from sync.rules.registry import RULES
from sync.rules.sprints import carry_over
from sync.rules.staleness import aging_wip, stale, stale_in_progress, zombie_backlog
from sync.rules.workflow import parent_child_inconsistent, reopened, skipped_workflow
from tests.rules.builders import DAY, NOW, POLICY, policy, rule_item, status_change

C = StatusCategory
CTX = build_context(policy(), NOW)
BUSINESS = build_context(
    policy(POLICY.replace("    timezone: Europe/Paris", "    timezone: Europe/Paris\n    business_days: true")), NOW
)


def test_every_rule_is_registered_with_an_explanation() -> None:
    assert sorted(RULES) == sorted(RuleId)
    assert all(len(spec.explanation) > 40 and spec.explanation.endswith(".") for spec in RULES.values())


def test_stale_uses_todo_and_backlog_limits() -> None:
    todo = rule_item(last_activity_at=NOW - 31 * DAY, created_at=NOW - 40 * DAY)
    fired = stale(todo, CTX)
    assert fired is not None
    assert fired.message == "WEB-1 has had no activity for 31 days in To Do (limit 30)."
    assert stale(rule_item(last_activity_at=NOW - 29 * DAY), CTX) is None
    backlog = rule_item(status_raw="Backlog", status_category=C.BACKLOG, last_activity_at=NOW - 60 * DAY)
    assert stale(backlog, CTX) is None
    assert stale(rule_item(status_raw="Backlog", status_category=C.BACKLOG, last_activity_at=NOW - 91 * DAY), CTX)


def test_business_days_skip_weekends_in_the_team_time_zone() -> None:
    team = BUSINESS.team("web")
    # NOW is Wednesday 12:00 UTC (13:00 in Paris); the previous Wednesday 12:00 is 5 business days earlier.
    assert elapsed_days(NOW - 7 * DAY, NOW, team) == 5.0
    assert elapsed_days(NOW - 7 * DAY, NOW, CTX.team("web")) == 7.0
    item = rule_item(status_raw="In Progress", status_category=C.IN_PROGRESS, last_activity_at=NOW - 6 * DAY)
    assert stale_in_progress(item, CTX) is not None  # 6 calendar days > 5
    assert stale_in_progress(item, BUSINESS) is None  # 4 business days
    late_evening = NOW.replace(hour=23, minute=30)  # already tomorrow in Paris
    assert local_today(late_evening, team) == date(2026, 3, 5)


def test_team_override_and_exemptions() -> None:
    text = POLICY + "rules:\n  R01: {days: 60, exempt: {labels: [Icebox]}, teams: {web: {days: 10}}}\n"
    ctx = build_context(policy(text), NOW)
    item = rule_item(last_activity_at=NOW - 20 * DAY)
    assert stale(item, ctx) is not None  # web: 10 days
    assert stale(rule_item(team="design", last_activity_at=NOW - 20 * DAY), ctx) is None  # default: 60
    assert stale(rule_item(labels=("icebox",), last_activity_at=NOW - 20 * DAY), ctx) is None


def test_aging_wip_compares_the_current_spell_with_the_team_limit() -> None:
    history = (
        status_change(NOW - 30 * DAY, None, "To Do", None, C.TODO),
        status_change(NOW - 20 * DAY, "To Do", "In Progress", C.TODO, C.IN_PROGRESS),
        status_change(NOW - 15 * DAY, "In Progress", "To Do", C.IN_PROGRESS, C.TODO),
        status_change(NOW - 8 * DAY, "To Do", "In Progress", C.TODO, C.IN_PROGRESS),
        status_change(NOW - 7 * DAY, "In Progress", "In Review", C.IN_PROGRESS, C.IN_PROGRESS),
    )
    item = rule_item(status_raw="In Review", status_category=C.IN_PROGRESS, history=history)
    assert aging_wip(item, CTX) is None  # 8 days < 10-day fallback
    ctx = build_context(policy(), NOW, cycle_limits={"web": CycleLimit(6 * 86_400, 25, True)})
    fired = aging_wip(item, ctx)
    assert fired is not None
    assert "85th-percentile" in fired.message
    assert fired.details["spell_days"] == 8.0


def test_blocked_by_status_flag_label_or_open_link() -> None:
    blocked = rule_item(
        status_raw="Blocked",
        status_category=C.IN_PROGRESS,
        history=(status_change(NOW - 4 * DAY, "In Progress", "Blocked", C.IN_PROGRESS, C.IN_PROGRESS),),
    )
    assert blocked_too_long(blocked, CTX) is not None
    link = ItemLink("is_blocked_by", "explicit", "WEB-2", 2, "jira", C.TODO, NOW - 5 * DAY)
    assert blocked_too_long(rule_item(links=(link,)), CTX) is not None
    closed = ItemLink("is_blocked_by", "explicit", "WEB-2", 2, "jira", C.DONE, NOW - 5 * DAY)
    assert blocked_too_long(rule_item(links=(closed,)), CTX) is None
    labelled = rule_item(
        labels=("blocked",),
        history=(FieldChange("labels", NOW - 2 * DAY, "", "blocked", None, None, True),),
    )
    assert blocked_too_long(labelled, CTX) is None  # 2 days
    unassigned = missing_assignee(labelled, CTX)
    assert unassigned is not None
    assert unassigned.message == "WEB-1 is blocked with nobody assigned."


def test_estimate_assignee_orphan_overdue_resolution() -> None:
    sprint = SprintInfo(5, 1, "55", "WEB Sprint 3", SprintState.ACTIVE, NOW - 3 * DAY, NOW + DAY, None, None)
    ctx = build_context(policy(), NOW, sprints={5: sprint})
    backlog = rule_item(status_raw="Backlog", status_category=C.BACKLOG, estimate=None)
    assert missing_estimate(backlog, ctx) is None
    assert missing_estimate(
        rule_item(status_raw="Backlog", status_category=C.BACKLOG, estimate=None, sprint_external_id="55"), ctx
    )
    assert missing_estimate(rule_item(estimate=None, type=ItemType.EPIC), ctx) is None
    assert missing_assignee(rule_item(status_raw="In Progress", status_category=C.IN_PROGRESS), ctx) is not None
    epics = build_context(
        policy(POLICY.replace("    timezone: Europe/Paris", "    timezone: Europe/Paris\n    requires_epics: true")),
        NOW,
    )
    assert orphan(rule_item(), ctx) is None
    assert orphan(rule_item(), epics) is not None
    assert orphan(rule_item(ancestor_types=(ItemType.STORY, ItemType.EPIC)), epics) is None
    due = overdue(rule_item(due=date(2026, 3, 2)), ctx)
    assert due is not None
    assert due.message == "WEB-1 was due on 2026-03-02 and is still open (2 days late)."
    assert overdue(rule_item(due=date(2026, 3, 4)), ctx) is None
    done = rule_item(status_raw="Done", status_category=C.DONE)
    assert done_without_resolution(done, ctx) is not None
    assert done_without_resolution(rule_item(resolution="Done"), ctx) is not None
    assert done_without_resolution(rule_item(status_raw="Done", status_category=C.DONE, resolution="Done"), ctx) is None


def test_carry_over_counts_closed_sprints_the_item_was_in_when_they_closed() -> None:
    sprints = {
        i: SprintInfo(
            i,
            1,
            str(i),
            f"S{i}",
            SprintState.CLOSED,
            NOW - (53 - 14 * i) * DAY,
            NOW - (39 - 14 * i) * DAY,
            NOW - (39 - 14 * i) * DAY,
            None,
        )
        for i in (1, 2)
    }
    ctx = build_context(policy(), NOW, sprints=sprints)
    stays = (
        SprintStay(1, NOW - 40 * DAY, sprints[1].complete_at),
        SprintStay(2, sprints[1].complete_at, None),
    )
    item = rule_item(created_at=NOW - 50 * DAY, sprints=stays)
    fired = carry_over(item, ctx)
    assert fired is not None
    assert "2 closed sprints" in fired.message
    done_in_first = rule_item(
        created_at=NOW - 50 * DAY,
        sprints=stays,
        history=(
            status_change(NOW - 50 * DAY, None, "To Do", None, C.TODO),
            status_change(NOW - 30 * DAY, "To Do", "Done", C.TODO, C.DONE),
            status_change(NOW - 20 * DAY, "Done", "To Do", C.DONE, C.TODO),
        ),
    )
    assert carry_over(done_in_first, ctx) is None


def test_reopened_skipped_parent_child_and_zombie() -> None:
    history = (
        status_change(NOW - 20 * DAY, None, "To Do", None, C.TODO),
        status_change(NOW - 10 * DAY, "To Do", "Done", C.TODO, C.DONE),
        status_change(NOW - 3 * DAY, "Done", "To Do", C.DONE, C.TODO),
    )
    assert reopened(rule_item(history=history), CTX) is not None
    assert (
        reopened(rule_item(history=history), build_context(policy(POLICY + "rules: {R11: {window_days: 2}}\n"), NOW))
        is None
    )
    skipped = rule_item(status_raw="Done", status_category=C.DONE, history=history[:2])
    fired = skipped_workflow(skipped, CTX)
    assert fired is not None
    assert "without ever being in progress" in fired.message
    review = build_context(
        policy(
            POLICY.replace("    timezone: Europe/Paris", "    timezone: Europe/Paris\n    required_states: [In Review]")
        ),
        NOW,
    )
    walked = rule_item(
        status_raw="Done",
        status_category=C.DONE,
        history=(
            status_change(NOW - 5 * DAY, "To Do", "In Progress", C.TODO, C.IN_PROGRESS),
            status_change(NOW - 1 * DAY, "In Progress", "Done", C.IN_PROGRESS, C.DONE),
        ),
    )
    assert skipped_workflow(walked, CTX) is None
    missed = skipped_workflow(walked, review)
    assert missed is not None
    assert missed.message == "WEB-1 reached Done without passing In Review."
    parent_done = rule_item(status_raw="Done", status_category=C.DONE, children=(ChildRef(2, C.TODO, None),))
    assert parent_child_inconsistent(parent_done, CTX) is not None
    waiting = rule_item(children=(ChildRef(2, C.DONE, NOW - 6 * DAY), ChildRef(3, C.CANCELLED, NOW - 9 * DAY)))
    assert parent_child_inconsistent(waiting, CTX) is not None
    recent = rule_item(children=(ChildRef(2, C.DONE, NOW - 4 * DAY),))
    assert parent_child_inconsistent(recent, CTX) is None
    old = rule_item(created_at=NOW - 200 * DAY, status_raw="Backlog", status_category=C.BACKLOG)
    assert zombie_backlog(old, CTX) is not None
    started = rule_item(
        created_at=NOW - 200 * DAY,
        history=(
            status_change(NOW - 100 * DAY, "To Do", "In Progress", C.TODO, C.IN_PROGRESS),
            status_change(NOW - 99 * DAY, "In Progress", "To Do", C.IN_PROGRESS, C.TODO),
        ),
    )
    assert zombie_backlog(started, CTX) is None


def test_a_healthy_item_fires_nothing() -> None:
    assert evaluate_item_rules(rule_item(last_activity_at=NOW - DAY, assignee_person_id=1), CTX) == []
    assert timedelta(0) == NOW - NOW
