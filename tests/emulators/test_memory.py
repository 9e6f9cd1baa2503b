"""Resident memory does not grow per item: items are generated on demand, not stored."""

from __future__ import annotations

import gc
import tracemalloc

from emulators.clock import EmulatorClock
from emulators.events import ChangeBus
from emulators.org.generator import Organisation, OrgConfig
from emulators.org.model import Vendor
from emulators.store import ItemStore
from tests.emulators.conftest import NOW


def resident_bytes(items: int) -> int:
    """Bytes held after building an organisation and a store, then paging through 5,000 items."""
    gc.collect()
    tracemalloc.start()
    org = Organisation(OrgConfig(seed=1, items=items, now=NOW))
    store = ItemStore(org, Vendor.JIRA, EmulatorClock(start=NOW), ChangeBus())
    for offset in range(0, 5000, 100):
        store.page(0, offset, 100)
    gc.collect()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del store, org
    return current


def test_resident_structures_do_not_scale_per_item() -> None:
    small = resident_bytes(5_000)
    large = resident_bytes(50_000)
    # 45,000 more items per vendor (135,000 in all) cost less than 1 byte each: only people grow (sqrt).
    assert large - small < 135_000
    assert large < 2_000_000
