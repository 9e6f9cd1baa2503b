"""Cross-tool identity: mentions and links resolved to items, people unified by e-mail and aliases."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from connectors.records import ContainerIn, Discovery, LinkIn
from core.policy import RuleId
from models.db import Database
from models.enums import ContainerKind, LinkOrigin, StatusCategory, Vendor
from models.tables import LINKS
from sync.findings import list_open_findings
from sync.links import extract_mentions, parse_item_ref
from sync.rules.evaluate import evaluate_items, run_sweep
from tests.rules.builders import DAY, NOW, POLICY, Store, jira_item, policy, transition, trello_card

C = StatusCategory


def test_mentions_are_keys_and_urls_of_another_tools_items() -> None:
    text = "Tracked in Jira: https://acme.atlassian.net/browse/PAY-12, see also OPS-7 and UTF-8 text."
    assert extract_mentions(Vendor.TRELLO, "[PAY-12] Fix export", text) == [
        "https://acme.atlassian.net/browse/PAY-12",
        "OPS-7",
        "UTF-8",
    ]
    assert extract_mentions(Vendor.JIRA, "PAY-3 follow-up", "Design: https://trello.com/c/AbCd1234/12-x") == [
        "https://trello.com/c/AbCd1234/12-x"
    ]
    assert extract_mentions(Vendor.JIRA, "no refs", None) == []
    assert parse_item_ref("https://app.asana.com/0/1204519873512345/1209999999999999").external_id == "1209999999999999"  # type: ignore[union-attr]
    assert parse_item_ref("https://trello.com/c/AbCd1234").key == "AbCd1234"  # type: ignore[union-attr]
    assert parse_item_ref("just text") is None


def test_a_mention_links_items_across_tools_and_r16_fires_then_resolves(database: Database) -> None:
    store = Store(database)
    done = jira_item(
        1,
        status_raw="Done",
        status_category=C.DONE,
        resolution="Done",
        resolved_at=NOW - 3 * DAY,
        transitions=(
            transition(NOW - 10 * DAY, "To Do", C.TODO, event="c1"),
            transition(NOW - 5 * DAY, "In Progress", C.IN_PROGRESS, source="To Do", source_category=C.TODO),
            transition(NOW - 3 * DAY, "Done", C.DONE, source="In Progress", source_category=C.IN_PROGRESS),
        ),
    )
    card = trello_card(1, title="[WEB-1] Sketch the new flow")
    jira_id, card_id = store.put(done, card)
    summary = run_sweep(database, policy(), NOW)
    assert summary.tallies["R16"].opened == 1
    with database.read_session() as session:
        links = session.execute(select(LINKS.c.source_item_id, LINKS.c.target_item_id, LINKS.c.origin)).all()
    assert (card_id, jira_id, "mention") in [tuple(link) for link in links]
    [finding] = [f for f in list_open_findings(database, NOW) if f.rule_id == "R16"]
    assert finding.subject_key == f"{min(jira_id, card_id)}:{max(jira_id, card_id)}"
    assert (
        finding.message
        == 'WEB-1 is done in Jira but its linked Trello card "[WEB-1] Sketch the new flow" is still open (3.0 days).'
    )
    assert finding.url == "https://trello.com/c/short001"
    assert finding.team == "design"
    # The card is closed upstream: the incremental evaluation of that card resolves the pair.
    store.put(dataclasses.replace(card, status_raw="Done", status_category=C.DONE, updated_at=NOW, version="2"))
    later = evaluate_items(database, policy(), [card_id], NOW + DAY, rules=[RuleId.R16])
    assert later.tallies["R16"].resolved == 1


def test_explicit_remote_links_resolve_by_url(database: Database) -> None:
    store = Store(database)
    card = trello_card(2)
    remote = LinkIn("https://trello.com/c/short002", "relates", LinkOrigin.EXPLICIT)
    jira_id, card_id = store.put(jira_item(2, links=(remote,)), card)
    run_sweep(database, policy(), NOW, rules=[RuleId.R16])
    with database.read_session() as session:
        target = session.execute(select(LINKS.c.target_item_id).where(LINKS.c.source_item_id == jira_id)).scalar_one()
    assert target == card_id


def in_progress(item_factory: object, number: int, assignee: str) -> object:
    factory = item_factory  # jira_item or trello_card
    return factory(  # type: ignore[operator]
        number,
        status_raw="In Progress" if factory is jira_item else "Doing",
        status_category=C.IN_PROGRESS,
        assignee_external_id=assignee,
        subcontainer_external_id="list-doing" if factory is trello_card else None,
    )


def test_wip_counts_one_person_across_tools_by_email_and_by_alias(database: Database) -> None:
    store = Store(database)
    store.put(
        *(in_progress(jira_item, n, "u1") for n in (1, 2)),
        *(in_progress(trello_card, n, "t1") for n in (1, 2)),  # same e-mail as u1
        *(in_progress(jira_item, n, "u2") for n in (3, 4)),
        *(in_progress(trello_card, n, "t2") for n in (3, 4)),  # another e-mail: only the alias joins them
    )
    run_sweep(database, policy(), NOW, rules=[RuleId.R14])
    assert [f.subject_key for f in list_open_findings(database, NOW)] == ["ada@acme.example"]
    aliased = POLICY + "people:\n  - {name: Alan Turing, emails: [alan@acme.example, grace@acme.example]}\n"
    run_sweep(database, policy(aliased), NOW, rules=[RuleId.R14])
    findings = list_open_findings(database, NOW)
    assert sorted(f.subject_key for f in findings) == ["Alan Turing", "ada@acme.example"]
    assert any(f.message.startswith("Alan Turing holds 4 items in progress across jira, trello") for f in findings)


def test_unmapped_lists_and_workflow_drift_from_the_store(database: Database) -> None:
    store = Store(database)
    store.trello.apply_discovery(
        Discovery(
            containers=(ContainerIn(ContainerKind.LIST, "list-park", "Parking Lot", parent_external_id="board-1"),)
        )
    )
    store.put(trello_card(1))
    reference = POLICY + (
        "workflow:\n  states:\n    - {name: To Do, category: todo}\n    - {name: Doing, category: in_progress}\n"
        "    - {name: Done, category: done}\n"
    )
    run_sweep(database, policy(reference), NOW, rules=[RuleId.R18, RuleId.R20])
    findings = {f.rule_id: f for f in list_open_findings(database, NOW)}
    assert findings["R18"].message.startswith('"Parking Lot" in Design of team design is not mapped')
    assert findings["R20"].details["extra"] == ["Parking Lot"]
    mapped = reference.replace("  blocked: [Blocked]", "  blocked: [Blocked]\n  categories: {Parking Lot: backlog}")
    summary = run_sweep(database, policy(mapped), NOW + DAY, rules=[RuleId.R18])
    assert summary.tallies["R18"].resolved == 1
