"""The item store: generated reads, the write overlay, deletions in paging, API-created items."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from emulators.activity import ActivitySimulator
from emulators.clock import EmulatorClock
from emulators.events import ChangeBus, ChangeEvent, ChangeKind
from emulators.mutations import ActivityGenerator, MutationKind
from emulators.org.generator import Organisation
from emulators.org.model import EventKind, ItemType, StatusCategory, Vendor
from emulators.store import ItemStore, NewItem
from tests.emulators.conftest import NOW


def make_store(org: Organisation, vendor: Vendor = Vendor.TRELLO) -> tuple[ItemStore, list[ChangeEvent]]:
    clock = EmulatorClock(start=NOW)
    clock.freeze()
    bus = ChangeBus()
    seen: list[ChangeEvent] = []
    bus.subscribe(seen.append)
    return ItemStore(org, vendor, clock, bus), seen


def test_reads_are_the_generated_items(org: Organisation) -> None:
    store, _ = make_store(org)
    item = store.get(10)
    assert item == org.generate(Vendor.TRELLO, 10).item
    assert store.find(item.external_id) == 10
    assert store.find("0" * 24) is None
    assert store.history(10) == org.generate(Vendor.TRELLO, 10).events


def test_a_write_updates_state_history_and_publishes(org: Organisation) -> None:
    store, seen = make_store(org)
    author = org.team(Vendor.TRELLO, 0).members[0]
    before = store.get(3)
    assert before is not None
    store.clock.advance(timedelta(hours=1))
    after = store.apply(3, EventKind.STATUS, "Done", author)
    assert after.status == "Done"
    assert after.status_category is StatusCategory.DONE
    assert after.updated_at == store.clock.timestamp()
    assert after.last_activity_at == store.clock.timestamp()
    assert store.history(3)[-1].before == before.status
    assert seen[-1].kind is ChangeKind.UPDATED
    assert seen[-1].before == before
    assert store.changed_since(store.clock.timestamp()) == [3]


def test_deleted_items_vanish_from_pages_and_counts(org: Organisation) -> None:
    store, seen = make_store(org)
    team = org.team(Vendor.TRELLO, 1)
    first_page = [i.index for i in store.page(1, 0, 10)]
    store.delete(first_page[2], team.members[0])
    store.delete(first_page[3], team.members[0])
    assert seen[-1].kind is ChangeKind.DELETED
    assert store.get(first_page[2]) is None
    assert store.count(1) == team.size - 2
    walked = [i.index for i in store.iter_team(1, batch=7)]
    assert len(walked) == team.size - 2
    assert first_page[2] not in walked
    assert walked[:8] == [*first_page[:2], *first_page[4:10]]


def test_created_items_get_vendor_ids_and_come_after_generated_ones(org: Organisation) -> None:
    store, seen = make_store(org, Vendor.JIRA)
    team = org.team(Vendor.JIRA, 2)
    item = store.create(NewItem(team=2, title="New from the API", type=ItemType.BUG))
    assert item.key == f"{team.key}-{team.size + 1}"
    assert store.find(item.external_id) == item.index
    assert store.find_key(item.key) == item.index
    assert store.count(2) == team.size + 1
    assert store.page(2, team.size, 5) == [item]
    assert seen[-1].kind is ChangeKind.CREATED


def test_status_counts_follow_writes(org: Organisation) -> None:
    store, _ = make_store(org, Vendor.ASANA)
    counts = store.status_counts(0)
    assert sum(counts.values()) == org.team(Vendor.ASANA, 0).size
    item = store.get(org.team(Vendor.ASANA, 0).start)
    assert item is not None
    store.apply(item.index, EventKind.STATUS, "Won't Do", org.team(Vendor.ASANA, 0).members[0])
    after = store.status_counts(0)
    assert after["Won't Do"] == counts["Won't Do"] + (0 if item.status == "Won't Do" else 1)
    assert sum(after.values()) == sum(counts.values())


def test_base_status_counts_equal_a_full_scan(org: Organisation) -> None:
    store, _ = make_store(org, Vendor.JIRA)
    for team in org.teams(Vendor.JIRA):
        scanned: dict[str, int] = {}
        for index in range(team.start, team.stop):
            status = org.generate(Vendor.JIRA, index).item.status
            scanned[status] = scanned.get(status, 0) + 1
        assert store.status_counts(team.index) == scanned


def test_random_activity_goes_through_the_store(org: Organisation) -> None:
    store, seen = make_store(org)
    results = ActivityGenerator(store, random.Random(1)).burst(50)
    assert len(results) == 50
    assert len(seen) >= 50
    assert {r.kind for r in results} >= {MutationKind.COMMENT, MutationKind.TRANSITION}


def test_activity_simulator_applies_changes_in_the_background(org: Organisation) -> None:
    store, seen = make_store(org)

    async def run() -> int:
        simulator = ActivitySimulator(ActivityGenerator(store, random.Random(2)), per_minute=6000)
        simulator.start()
        for _ in range(300):
            if simulator.applied >= 3:
                break
            await asyncio.sleep(0.01)
        await simulator.stop()
        return simulator.applied

    assert asyncio.run(run()) >= 3
    assert len(seen) >= 3
