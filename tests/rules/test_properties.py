"""Hypothesis properties: rules are deterministic and pure, and stop firing when their cause is fixed."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.policy import RuleId
from models.enums import ItemType, StatusCategory, Vendor
from sync.rule_inputs import ChildRef, FieldChange, ItemLink, RuleItem
from sync.rules.base import RuleContext, build_context
from sync.rules.evaluate import evaluate_item_rules
from tests.rules.builders import NOW, POLICY, policy, rule_item

STATUSES = {
    "Backlog": StatusCategory.BACKLOG,
    "To Do": StatusCategory.TODO,
    "In Progress": StatusCategory.IN_PROGRESS,
    "Blocked": StatusCategory.IN_PROGRESS,
    "In Review": StatusCategory.IN_PROGRESS,
    "Done": StatusCategory.DONE,
    "Won't Do": StatusCategory.CANCELLED,
    "Parking": StatusCategory.UNKNOWN,
}
CONTEXTS = {
    "calendar": build_context(policy(), NOW),
    "business": build_context(
        policy(
            POLICY.replace(
                "    timezone: Europe/Paris",
                "    timezone: Europe/Paris\n    business_days: true\n    requires_epics: true",
            )
        ),
        NOW,
    ),
}


@st.composite
def items(draw: st.DrawFn) -> RuleItem:
    created = NOW - timedelta(hours=draw(st.integers(1, 400 * 24)))
    moments = sorted(draw(st.lists(st.integers(0, 400 * 24), max_size=6)))
    history: list[FieldChange] = [FieldChange("status", created, None, "To Do", None, StatusCategory.TODO, True)]
    current = "To Do"
    for hours in moments:
        at = min(NOW, created + timedelta(hours=hours))
        target = draw(st.sampled_from(sorted(STATUSES)))
        field = draw(st.sampled_from(["status", "status", "comment", "labels", "flag"]))
        human = draw(st.booleans())
        if field == "status":
            history.append(FieldChange("status", at, current, target, STATUSES[current], STATUSES[target], human))
            current = target
        else:
            history.append(
                FieldChange(field, at, None, draw(st.sampled_from(["blocked", "x", "true"])), None, None, human)
            )
    human_times = [c.at for c in history if c.human]
    category = STATUSES[current]
    children = tuple(
        ChildRef(i, draw(st.sampled_from(list(StatusCategory))), NOW - timedelta(days=draw(st.integers(0, 20))))
        for i in range(draw(st.integers(0, 3)))
    )
    return rule_item(
        id=draw(st.integers(1, 10_000)),
        source=draw(st.sampled_from(list(Vendor))),
        type=draw(st.sampled_from(list(ItemType))),
        status_raw=current,
        status_category=category,
        created_at=created,
        updated_at=max(c.at for c in history),
        last_activity_at=max(human_times, default=created),
        resolved_at=history[-1].at if category is StatusCategory.DONE else None,
        estimate=draw(st.sampled_from([None, 1.0, 5.0])),
        assignee_person_id=draw(st.sampled_from([None, 7])),
        labels=tuple(draw(st.lists(st.sampled_from(["blocked", "icebox", "ux"]), max_size=2, unique=True))),
        due=draw(st.one_of(st.none(), st.dates(date(2025, 12, 1), date(2026, 4, 1)))),
        flagged=draw(st.booleans()),
        resolution=draw(st.sampled_from([None, "Done"])),
        history=tuple(history),
        ancestor_types=tuple(draw(st.lists(st.sampled_from([ItemType.EPIC, ItemType.STORY]), max_size=2))),
        children=children,
        links=tuple(
            ItemLink(
                "is_blocked_by", "explicit", "WEB-9", 9, "jira", draw(st.sampled_from(list(StatusCategory))), created
            )
            for _ in range(draw(st.integers(0, 1)))
        ),
    )


def contexts() -> st.SearchStrategy[RuleContext]:
    return st.sampled_from(list(CONTEXTS.values()))


@settings(max_examples=150, deadline=None)
@given(item=items(), ctx=contexts())
def test_rules_are_deterministic_and_do_not_mutate_their_inputs(item: RuleItem, ctx: RuleContext) -> None:
    before = copy.deepcopy(item)
    first = evaluate_item_rules(item, ctx)
    second = evaluate_item_rules(item, ctx)
    assert first == second
    assert item == before
    for fired in first:
        assert fired.subject_key == str(item.id)
        assert fired.work_item_id == item.id
        assert fired.message.endswith(".")
        assert fired.url == item.url


@settings(max_examples=150, deadline=None)
@given(item=items(), ctx=contexts())
def test_human_activity_now_clears_staleness(item: RuleItem, ctx: RuleContext) -> None:
    touched = rule_item(
        **{
            **{f: getattr(item, f) for f in item.__dataclass_fields__},
            "history": (*item.history, FieldChange("comment", NOW, None, "hi", None, None, True)),
            "last_activity_at": NOW,
        }
    )
    fired = {f.rule_id for f in evaluate_item_rules(touched, ctx)}
    assert RuleId.R01 not in fired
    assert RuleId.R02 not in fired


@settings(max_examples=150, deadline=None)
@given(item=items(), ctx=contexts())
def test_fixing_the_field_clears_the_rule(item: RuleItem, ctx: RuleContext) -> None:
    fields = {f: getattr(item, f) for f in item.__dataclass_fields__}
    fixed = rule_item(
        **{
            **fields,
            "estimate": 2.0,
            "assignee_person_id": 3,
            "due": NOW.date() + timedelta(days=2),
            "ancestor_types": (ItemType.EPIC,),
            "resolution": "Done" if item.status_category is StatusCategory.DONE else None,
        }
    )
    fired = {f.rule_id for f in evaluate_item_rules(fixed, ctx)}
    assert not fired & {RuleId.R05, RuleId.R06, RuleId.R07, RuleId.R08, RuleId.R19}


@settings(max_examples=200, deadline=None)
@given(item=items())
def test_a_disabled_rule_never_fires_and_an_exemption_always_wins(item: RuleItem) -> None:
    text = POLICY + (
        "rules:\n"
        + "".join(f"  R{i:02d}: {{exempt: {{labels: [icebox]}}}}\n" for i in range(1, 21) if i != 3)
        + "  R03: {enabled: false}\n"
    )
    ctx = build_context(policy(text), NOW)
    labelled = rule_item(**{**{f: getattr(item, f) for f in item.__dataclass_fields__}, "labels": ("icebox",)})
    assert evaluate_item_rules(labelled, ctx) == []
