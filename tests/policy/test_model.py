"""The model: defaults from the rule catalogue, team overrides, status mapping, workflow, schedules, cross-checks."""

from __future__ import annotations

import pytest

from core.policy import MappedCategory, Policy, PolicyError, RuleId, Severity, load_policy
from core.policy.cron import check_cron
from core.policy.rules import AgingWip, DuplicateCandidate, Stale
from tests.policy.helpers import EMULATOR_POLICY, EXAMPLE


def problems_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    return [f"{p.line}:{p.column}: {p.message}" for p in caught.value.problems]


def test_an_empty_file_is_a_policy_of_defaults() -> None:
    for text in ("", "# nothing yet\n", "version: 1\n"):
        loaded = load_policy(text)
        assert loaded.policy == Policy()
        assert loaded.warnings == ()


def test_a_policy_with_only_connections_is_valid() -> None:
    policy = load_policy(EMULATOR_POLICY).policy
    assert policy.teams == {}
    assert policy.connection("asana") is not None
    assert policy.connections[0].base_url == "http://127.0.0.1:8101"
    assert policy.schedules.sync.for_connection("trello") == "*/15 * * * *"


def test_rule_defaults_are_the_catalogues() -> None:
    rules = Policy().rules
    assert (rules.r01.days, rules.r01.backlog_days) == (30, 90)
    assert rules.r02.days == 5
    assert (rules.r03.percentile, rules.r03.window_days, rules.r03.fallback_days, rules.r03.min_samples) == (
        85,
        90,
        10,
        20,
    )
    assert rules.r04.days == 3
    assert rules.r08.grace_days == 0
    assert (rules.r09.grace_hours, rules.r09.max_added_percent) == (24, 20)
    assert rules.r10.sprints == 2
    assert rules.r11.window_days == 30
    assert rules.r13.parent_grace_days == 5
    assert rules.r14.per_person == 3
    assert rules.r15.days == 180
    assert rules.r16.hours == 24
    assert (rules.r17.similarity, rules.r17.window_days) == (0.9, 60)
    assert rules.enabled_ids() == list(RuleId)
    assert isinstance(rules.get(RuleId.R03), AgingWip)
    assert isinstance(rules.get(RuleId.R17), DuplicateCandidate)


def test_a_team_override_sets_only_the_keys_it_names() -> None:
    text = EMULATOR_POLICY + (
        "teams:\n  web: {}\n  mobile: {}\n"
        "rules:\n  R01:\n    days: 20\n    severity: medium\n    exempt: {labels: [icebox]}\n"
        "    teams:\n      mobile: {backlog_days: 45, enabled: false}\n"
    )
    rules = load_policy(text).policy.rules
    mobile = rules.for_team(RuleId.R01, "mobile")
    assert isinstance(mobile, Stale)
    assert (mobile.days, mobile.backlog_days, mobile.enabled, mobile.severity) == (20, 45, False, Severity.MEDIUM)
    assert mobile.exempt.labels == ["icebox"]
    assert mobile.teams == {}
    web = rules.for_team(RuleId.R01, "web")
    assert (web.days, web.backlog_days, web.enabled) == (20, 90, True)  # type: ignore[attr-defined]
    assert RuleId.R01 not in rules.enabled_ids("mobile")
    assert RuleId.R01 in rules.enabled_ids("web")


def test_exemptions() -> None:
    exempt = load_policy(EXAMPLE).policy.rules.r01.exempt
    assert exempt.exempts(labels=["ICEBOX"], item_type="story", assignee_names=[])
    assert exempt.exempts(labels=[], item_type="epic", assignee_names=[])
    assert not exempt.exempts(labels=["urgent"], item_type="bug", assignee_names=["Alice Martin"])


def test_status_mapping_precedence_team_then_connection_then_global() -> None:
    mapping = load_policy(EXAMPLE).policy.status_mapping
    assert mapping.category_for("in review") is MappedCategory.IN_PROGRESS
    assert mapping.category_for("Doing", connection="trello") is MappedCategory.IN_PROGRESS
    assert mapping.category_for("Doing", connection="jira") is None
    assert mapping.category_for("Experiments", team="growth", connection="asana") is MappedCategory.IN_PROGRESS
    assert mapping.category_for("Won't   do", team="growth") is MappedCategory.CANCELLED
    assert mapping.is_blocked("on hold")
    assert mapping.is_blocked("Waiting", connection="trello")
    assert not mapping.is_blocked("Waiting", connection="jira")


def test_mapping_to_unknown_is_refused() -> None:
    assert problems_of("status_mapping:\n  categories:\n    Limbo: unknown\n") == [
        "3:12: status_mapping.categories.Limbo: should be 'backlog', 'todo', 'in_progress', 'done' or 'cancelled'; "
        "got 'unknown'"
    ]


def test_workflow_transitions() -> None:
    workflow = load_policy(EXAMPLE).policy.workflow
    assert workflow.allows("In Progress", "in review")
    assert not workflow.allows("Backlog", "Done")
    assert workflow.state("qa") is not None
    assert Policy().workflow.allows("Anything", "Else")


@pytest.mark.parametrize(
    "expression",
    ["*/15 * * * *", "0 6 * * 1-5", "0 7 * * mon-fri", "30 3 1,15 * *", "0 0 * jan-mar,dec 0,7", "5-55/10 */2 * * *"],
)
def test_valid_cron(expression: str) -> None:
    assert check_cron(expression) == expression


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("@daily", "has 1 field(s); expected 5"),
        ("* * * * * *", "has 6 field(s)"),
        ("60 * * * *", "minute field: 60 is outside 0-59"),
        ("* * 0 * *", "day-of-month field: 0 is outside 1-31"),
        ("* * * 13 *", "month field: 13 is outside 1-12"),
        ("* * * * 8", "day-of-week field: 8 is outside 0-7"),
        ("* * * * fri-mon", "day-of-week field: range 'fri-mon' runs backwards"),
        ("1,,2 * * * *", "minute field: empty item in '1,,2'"),
        ("x * * * *", "minute field: 'x' is not a number"),
    ],
)
def test_invalid_cron(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_cron(expression)


def test_anchors_and_merge_keys_are_followed() -> None:
    text = EMULATOR_POLICY + (
        "teams:\n"
        "  web: &defaults\n    timezone: Europe/Paris\n    business_days: true\n"
        "  mobile:\n    <<: *defaults\n    timezone: America/New_York\n"
    )
    teams = load_policy(text).policy.teams
    assert (teams["mobile"].timezone, teams["mobile"].business_days) == ("America/New_York", True)


def test_unknown_key_inside_a_merged_mapping_points_at_the_anchor() -> None:
    text = "teams:\n  web: &defaults\n    timezon: UTC\n  mobile:\n    <<: *defaults\n"
    assert problems_of(text) == [
        "3:5: teams.mobile: unknown key 'timezon'; did you mean 'timezone'?",
        "3:5: teams.web: unknown key 'timezon'; did you mean 'timezone'?",
    ]


HEAD = EMULATOR_POLICY + "teams:\n  web:\n    containers: [{connection: jira, key: WEB}]\n"  # lines 20-22


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (
            "    members: [Ghost, g@x.example]\n",
            "23:15: teams.web.members[0]: unknown person 'Ghost': "
            "name someone under `people`, or give an e-mail address",
        ),
        (
            "  design:\n    containers: [{connection: trello, kind: project, id: b1}]\n",
            "24:45: teams.design.containers[0].kind: a trello container is a board or list, not a project",
        ),
        (
            "    required_states: [Review]\nworkflow:\n  states: [{name: Done, category: done}]\n",
            "23:23: teams.web.required_states[0]: 'Review' is not a state of the reference workflow (Done)",
        ),
        (
            "workflow:\n  states: [{name: Done, category: done}]\n  transitions: {Done: [Doing]}\n",
            "25:24: workflow.transitions.Done[0]: unknown state 'Doing' (under `workflow.states`: Done)",
        ),
        (
            "people:\n  - {name: Al, emails: [al@x.example]}\n  - {name: Bo, emails: [AL@x.example]}\n",
            "25:25: people[1].emails[0]: e-mail AL@x.example already belongs to 'Al'",
        ),
        (
            "people:\n  - {name: Al, accounts: {gitlab: '7'}}\n",
            "24:27: people[0].accounts.gitlab: unknown connection 'gitlab' (under `connections`: asana, jira, trello)",
        ),
        (
            "status_mapping:\n  teams:\n    mobile: {blocked: [Stuck]}\n",
            "25:5: status_mapping.teams.mobile: unknown team 'mobile' (under `teams`: web)",
        ),
        (
            "rules:\n  R02:\n    teams:\n      web: {days: 3, teams: {web: {}}}\n",
            "26:22: rules.R02.teams.web.teams: a team override cannot hold its own `teams`",
        ),
        (
            "schedules:\n  sync:\n    connections: {github: '* * * * *'}\n",
            "25:19: schedules.sync.connections.github: unknown connection 'github' (under `connections`: asana, jira, "
            "trello)",
        ),
        ("report:\n  teams: [web, ops]\n", "24:16: report.teams[1]: unknown team 'ops' (under `teams`: web)"),
    ],
)
def test_cross_references(tail: str, expected: str) -> None:
    assert problems_of(HEAD + tail) == [expected]


def test_a_container_names_itself_exactly_once() -> None:
    assert problems_of(HEAD.replace("key: WEB", "key: WEB, id: 7")) == [
        "22:18: teams.web.containers[0]: name the container by exactly one of id, key or name (got id, key)"
    ]
