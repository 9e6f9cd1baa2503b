"""The generator: deterministic, exact counts, realistic structure, and a manifest that matches the data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emulators.ids import parse_asana_gid, parse_jira_issue_id, parse_trello_id, trello_id_created_at
from emulators.org.generator import DAY, Organisation, OrgConfig
from emulators.org.manifest import PlantedManifest, SubjectKind
from emulators.org.model import ItemType, SprintState, StatusCategory, Vendor
from emulators.org.scenarios import Rule
from tests.emulators.conftest import NOW
from tests.emulators.rule_oracle import evaluate

SAMPLE = range(0, 1000, 37)


def snapshot(org: Organisation) -> list[object]:
    return [org.generate(v, i) for v in Vendor for i in SAMPLE]


def test_same_seed_gives_identical_data() -> None:
    first = Organisation(OrgConfig(seed=11, items=1000, now=NOW))
    second = Organisation(OrgConfig(seed=11, items=1000, now=NOW))
    assert snapshot(first) == snapshot(second)
    assert [p.email for p in first.people] == [p.email for p in second.people]
    assert PlantedManifest(first).subjects() == PlantedManifest(second).subjects()


def test_different_seed_gives_different_data() -> None:
    first = Organisation(OrgConfig(seed=11, items=1000, now=NOW))
    other = Organisation(OrgConfig(seed=12, items=1000, now=NOW))
    assert [g.item.title for g in snapshot(first)] != [g.item.title for g in snapshot(other)]  # type: ignore[attr-defined]
    assert [p.name for p in first.people] != [p.name for p in other.people]


@pytest.mark.parametrize("items", [300, 1000, 12_345])
def test_item_counts_are_exact(items: int) -> None:
    org = Organisation(OrgConfig(seed=2, items=items, now=NOW))
    for vendor in Vendor:
        teams = org.teams(vendor)
        assert 4 <= len(teams) <= 8
        assert sum(t.size for t in teams) == items
        assert teams[0].start == 0
        assert teams[-1].stop == items
        assert [t.stop for t in teams[:-1]] == [t.start for t in teams[1:]]
        org.generate(vendor, items - 1)
        with pytest.raises(IndexError):
            org.generate(vendor, items)


def test_teams_grow_with_the_organisation() -> None:
    assert len(Organisation(OrgConfig(items=300, now=NOW)).teams(Vendor.JIRA)) == 4
    assert len(Organisation(OrgConfig(items=1_000_000, now=NOW)).teams(Vendor.JIRA)) == 8


def test_ids_follow_each_vendor_scheme(org: Organisation) -> None:
    jira = org.generate(Vendor.JIRA, 42).item
    assert parse_jira_issue_id(jira.external_id) == 42
    team = org.team(Vendor.JIRA, jira.team)
    assert jira.key == f"{team.key}-{42 - team.start + 1}"
    assert jira.url.endswith(f"/browse/{jira.key}")
    card = org.generate(Vendor.TRELLO, 42).item
    assert parse_trello_id(card.external_id) is not None
    assert abs(trello_id_created_at(card.external_id).timestamp() - card.created_at) < 1
    task = org.generate(Vendor.ASANA, 42).item
    assert parse_asana_gid(task.external_id) is not None
    assert len(task.external_id) == 16


def test_history_spans_twelve_months_with_bots_and_many_change_kinds(org: Organisation) -> None:
    items = [org.generate(v, i) for v in Vendor for i in range(1000)]
    oldest = min(g.item.created_at for g in items)
    assert org.now - oldest > 330 * DAY
    kinds = {e.kind.value for g in items for e in g.events}
    assert {"created", "status", "assignee", "estimate", "sprint", "comment", "resolution", "due"} <= kinds
    assert any(org.is_bot(e.author) for g in items for e in g.events)
    for g in items:
        assert [e.at for e in g.events] == sorted(e.at for e in g.events)
        assert all(e.at <= org.now for e in g.events)
    types = {g.item.type for g in items}
    assert types == set(ItemType)


def test_people_span_tools_with_shared_emails_and_other_names(org: Organisation) -> None:
    multi = [p for p in org.people if len(p.accounts) > 1]
    assert multi
    assert any(len(set(p.accounts.values())) > 1 for p in multi)
    assert sum(p.is_bot for p in org.people) == 3


def test_workflows_drift_and_sprints_cover_the_year(org: Organisation) -> None:
    for vendor in Vendor:
        drifted = [t for t in org.teams(vendor) if t.workflow.drifted]
        assert drifted
        assert not org.teams(vendor)[0].workflow.drifted
    sprints = org.sprints(0)
    assert {s.state for s in sprints} == set(SprintState)
    assert sum(s.state is SprintState.CLOSED for s in sprints) >= 2
    assert org.now - sprints[0].start > 360 * DAY


def test_every_rule_is_planted(org: Organisation) -> None:
    counts = PlantedManifest(org).counts()
    assert all(counts[rule.value] > 0 for rule in Rule), counts


def test_manifest_matches_the_rules_evaluated_on_the_generated_data(org: Organisation) -> None:
    manifest = PlantedManifest(org)
    findings = evaluate(org)
    for rule in Rule:
        subjects = manifest.subjects(rule)
        if rule.value in findings.items or (subjects and subjects[0].kind is SubjectKind.ITEM):
            planted = {(s.refs[0].vendor, s.index) for s in subjects}
            assert findings.items.get(rule.value, set()) == planted, rule
            continue
        expected: set[object] = set()
        for s in subjects:
            if s.kind is SubjectKind.PAIR:
                expected.add(frozenset(f"{r.vendor}:{r.id}" for r in s.refs))
            elif s.kind is SubjectKind.STATUS:
                expected.add(f"{s.refs[0].id}:{s.refs[0].key}")
            else:
                expected.add(s.refs[0].id)
        assert findings.others.get(rule.value, set()) == expected, rule


def test_planted_stale_in_progress_items_have_only_bot_activity_recently(org: Organisation) -> None:
    manifest = PlantedManifest(org)
    for index in manifest.item_indices(Rule.R02, Vendor.JIRA):
        generated = org.generate(Vendor.JIRA, index)
        assert generated.item.status_category is StatusCategory.IN_PROGRESS
        assert org.now - generated.item.last_activity_at > 5 * DAY
        assert org.now - generated.item.updated_at < 5 * DAY  # a bot touched it: naive "updated" checks fail


def test_generator_now_defaults_to_a_fixed_moment() -> None:
    assert OrgConfig().now == datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
