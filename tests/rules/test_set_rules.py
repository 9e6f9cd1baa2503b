"""Set rules on hand-made inputs: R09 sprint scope, R14 loads, R16 linked pairs, R17 duplicates, R18, R20."""

from __future__ import annotations

from datetime import timedelta

from models.enums import ItemType, SprintState, StatusCategory
from sync.rule_inputs import ContainerInfo, SprintInfo
from sync.rules.base import build_context
from sync.rules.blocking import ColumnLoad, HeldItem, PersonLoad, column_over_limit, person_over_limit
from sync.rules.cross_tool import (
    DuplicatePair,
    LinkedPair,
    PairSide,
    blocking_keys,
    duplicate_candidate,
    linked_status_mismatch,
    normalise_title,
)
from sync.rules.sprints import SprintAddition, SprintScope, scope_creep
from sync.rules.workflow import ObservedStatus, ObservedWorkflow, unmapped_status, workflow_drift
from tests.rules.builders import DAY, NOW, POLICY, policy

C = StatusCategory
CTX = build_context(policy(), NOW)
SPRINT = SprintInfo(9, 1, "90", "WEB Sprint 9", SprintState.ACTIVE, NOW - 6 * DAY, NOW + 8 * DAY, None, None)
BOARD = ContainerInfo(3, 2, "board", "board-1", None, "Design", None, "design", "https://trello.com/b/x")


def additions(initial: int, late: int, late_points: float = 1.0) -> tuple[SprintAddition, ...]:
    early = [SprintAddition(i, SPRINT.start_at - timedelta(hours=1), 5.0) for i in range(initial)]  # type: ignore[operator]
    added = [SprintAddition(100 + i, NOW - DAY, late_points) for i in range(late)]
    return (*early, *added)


def test_scope_creep_by_count_or_points() -> None:
    assert scope_creep(SprintScope(SPRINT, "web", additions(10, 2)), CTX) is None  # 2 of 10 items, 2 of 50 points
    fired = scope_creep(SprintScope(SPRINT, "web", additions(10, 3)), CTX)
    assert fired is not None
    assert fired.subject_key == "9"
    assert fired.details["added_items"] == 3
    assert scope_creep(SprintScope(SPRINT, "web", additions(10, 1, late_points=11.0)), CTX) is not None
    by_count = build_context(policy(POLICY + "rules: {R09: {measure: count}}\n"), NOW)
    assert scope_creep(SprintScope(SPRINT, "web", additions(10, 1, late_points=11.0)), by_count) is None
    within_grace = (SprintAddition(1, SPRINT.start_at + timedelta(hours=23), 5.0),)  # type: ignore[operator]
    assert scope_creep(SprintScope(SPRINT, "web", within_grace), CTX) is None


def held(count: int) -> tuple[HeldItem, ...]:
    return tuple(HeldItem(i, f"WEB-{i}", "jira" if i % 2 else "trello", None, "web") for i in range(count))


def test_wip_limits_per_person_and_per_column() -> None:
    assert person_over_limit(PersonLoad("ada@acme.example", "Ada", held(3)), CTX) is None
    fired = person_over_limit(PersonLoad("ada@acme.example", "Ada", held(4)), CTX)
    assert fired is not None
    assert fired.message == "Ada holds 4 items in progress across jira, trello (limit 3)."
    limited = build_context(
        policy(
            POLICY.replace("    timezone: Europe/Paris", "    timezone: Europe/Paris\n    wip_limits: {In Progress: 2}")
        ),
        NOW,
    )
    assert column_over_limit(ColumnLoad("web", "In Progress", 3), limited) is not None
    assert column_over_limit(ColumnLoad("web", "In Progress", 2), limited) is None
    assert column_over_limit(ColumnLoad("web", "In Progress", 30), CTX) is None


def side(item_id: int, source: str, category: StatusCategory, **extra: object) -> PairSide:
    fields: dict[str, object] = {
        "display": f"#{item_id}",
        "url": f"https://x/{item_id}",
        "team": "web",
        "created_at": NOW - 30 * DAY,
        "resolved_at": None,
    }
    fields.update(extra)
    return PairSide(item_id, source, category=category, **fields)  # type: ignore[arg-type]


def test_linked_status_mismatch_waits_24_hours() -> None:
    done = side(1, "jira", C.DONE, resolved_at=NOW - 25 * timedelta(hours=1))
    fired = linked_status_mismatch(LinkedPair(done, side(2, "trello", C.TODO)), CTX)
    assert fired is not None
    assert fired.subject_key == "1:2"
    assert fired.work_item_id == 2
    recent = side(1, "jira", C.DONE, resolved_at=NOW - timedelta(hours=23))
    assert linked_status_mismatch(LinkedPair(recent, side(2, "trello", C.TODO)), CTX) is None
    assert linked_status_mismatch(LinkedPair(done, side(2, "jira", C.TODO)), CTX) is None  # same tool
    assert linked_status_mismatch(LinkedPair(done, side(2, "asana", C.CANCELLED)), CTX) is None


def test_duplicate_titles_meet_in_a_block_and_are_compared() -> None:
    a, b = "[Payments] Add retry to the invoice export (M3)", "[PAYMENTS] add retry to the invoice export (m3)!"
    assert normalise_title(a) == normalise_title(b) == "payments add retry to the invoice export m3"
    assert set(blocking_keys(normalise_title(a))) & set(blocking_keys(normalise_title(a) + " too"))
    assert set(blocking_keys("fix login page")) & set(blocking_keys("fix logon page"))
    assert not set(blocking_keys("fix login page")) & set(blocking_keys("write billing docs"))
    pair = DuplicatePair(side(1, "jira", C.TODO, title=a), side(2, "trello", C.BACKLOG, title=b), linked=False)
    fired = duplicate_candidate(pair, CTX)
    assert fired is not None
    assert fired.subject_key == "1:2"
    assert "100% alike" in fired.message
    assert duplicate_candidate(DuplicatePair(pair.first, pair.second, linked=True), CTX) is None
    far = side(2, "trello", C.TODO, title=b, created_at=NOW - 100 * DAY)
    assert duplicate_candidate(DuplicatePair(pair.first, far, linked=False), CTX) is None
    different = side(2, "trello", C.TODO, title="[Payments] Remove retry from the invoice import (M4)")
    assert duplicate_candidate(DuplicatePair(pair.first, different, linked=False), CTX) is None
    exempt = build_context(policy(POLICY + "rules: {R17: {exempt: {types: [bug]}}}\n"), NOW)
    bug = side(2, "trello", C.TODO, title=b, type=ItemType.BUG)
    assert duplicate_candidate(DuplicatePair(pair.first, bug, linked=False), exempt) is None


def test_unmapped_status_and_workflow_drift() -> None:
    fired = unmapped_status(ObservedStatus(BOARD, "Parking Lot", None, 0), CTX)
    assert fired is not None
    assert fired.subject_key == "3:parking lot"
    assert fired.team == "design"
    assert unmapped_status(ObservedStatus(BOARD, "Doing", C.IN_PROGRESS, 4), CTX) is None
    reference = POLICY + (
        "workflow:\n  states:\n"
        "    - {name: To Do, category: todo}\n    - {name: In Progress, category: in_progress}\n"
        "    - {name: Done, category: done}\n"
        "  transitions: {To Do: [In Progress], In Progress: [Done, To Do], Done: [To Do]}\n"
    )
    ctx = build_context(policy(reference), NOW)
    same = ObservedWorkflow(BOARD, ("Done", "In Progress", "To Do"), (("To Do", "In Progress", 4),), complete=True)
    assert workflow_drift(same, ctx) is None
    extra = ObservedWorkflow(BOARD, ("Done", "In Progress", "QA", "To Do"), (), complete=False)
    drift = workflow_drift(extra, ctx)
    assert drift is not None
    assert drift.details["extra"] == ["QA"]
    assert drift.subject_key == "3"
    missing = ObservedWorkflow(BOARD, ("Done", "To Do"), (), complete=True)
    assert workflow_drift(missing, ctx).details["missing"] == ["In Progress"]  # type: ignore[union-attr]
    assert workflow_drift(ObservedWorkflow(BOARD, ("Done", "To Do"), (), complete=False), ctx) is None
    skipping = ObservedWorkflow(BOARD, ("Done", "In Progress", "To Do"), (("To Do", "Done", 2),), complete=True)
    moved = workflow_drift(skipping, ctx)
    assert moved is not None
    assert moved.details["moves"] == [{"move": "To Do -> Done", "count": 2}]
    assert workflow_drift(extra, CTX) is None  # no reference workflow in the policy: nothing to compare
