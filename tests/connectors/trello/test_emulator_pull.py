"""The Trello connector against the Trello emulator over real HTTP: paging, history, incremental, webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from fastapi import FastAPI, Response

from connectors.records import Batch, WorkItemIn
from connectors.trello.client import TrelloApi
from connectors.trello.connector import ACTION_FILTER, CURSOR_NAME, TrelloConnector
from emulators.server import running_server
from tests.connectors.harness_trello import HARNESS, RunningTrello


@pytest.fixture(scope="module")
def trello() -> Iterator[RunningTrello]:
    with HARNESS.running(seed=11, items=600) as vendor:
        yield vendor


def pull_items(connector: TrelloConnector, cursors: dict[tuple[str, str], str], *, full: bool) -> list[Batch]:
    return list(connector.pull(cursors, full=full))


def items_of(batches: list[Batch]) -> dict[str, WorkItemIn]:
    return {item.external_id: item for batch in batches for item in batch.items}


def comparable(item: WorkItemIn) -> WorkItemIn:
    return replace(item, raw={})


def test_actions_come_newest_first_and_before_paging_has_no_gaps_or_repeats(trello: RunningTrello) -> None:
    api = TrelloApi(trello.config)
    board = trello.ctx.catalog.board_id(0)
    everything = api.actions_page(board, action_filter=ACTION_FILTER, limit=1000, since=None, before=None)
    assert 200 < len(everything) < 1000
    assert [a["date"] for a in everything] == sorted((a["date"] for a in everything), reverse=True)
    paged: list[str] = []
    before = None
    while True:
        page = api.actions_page(board, action_filter=ACTION_FILTER, limit=37, since=None, before=before)
        paged += [a["id"] for a in page]
        if len(page) < 37:
            break
        before = page[-1]["id"]
    assert paged == [a["id"] for a in everything]


def test_small_pages_and_either_read_path_give_the_same_items_and_history(trello: RunningTrello) -> None:
    large = items_of(pull_items(TrelloConnector(trello.config), {}, full=True))
    small_batches = pull_items(TrelloConnector(trello.config, page_limit=23, bulk="httpx"), {}, full=True)
    small = items_of(small_batches)
    assert len(small_batches) > 20
    assert set(small) == set(large) == set(trello.expected_items())
    assert {k: comparable(v) for k, v in small.items()} == {k: comparable(v) for k, v in large.items()}
    assert sum(len(item.transitions) for item in large.values()) > len(large)
    statuses = [t for item in large.values() for t in item.transitions if t.field == "status"]
    assert all(t.to_category is not None for t in statuses)


def test_each_board_cursor_rides_on_its_last_batch(trello: RunningTrello) -> None:
    batches = pull_items(TrelloConnector(trello.config, page_limit=100), {}, full=True)
    cursors = [b.cursor for b in batches if b.cursor is not None]
    boards = set(trello.ctx.catalog.board_ids)
    assert {c.scope for c in cursors} == boards
    assert {c.name for c in cursors} == {CURSOR_NAME}
    for board in boards:
        with_items = [n for n, b in enumerate(batches) if any(i.container_external_id == board for i in b.items)]
        (with_cursor,) = [n for n, b in enumerate(batches) if b.cursor is not None and b.cursor.scope == board]
        assert with_items
        assert with_cursor >= max(with_items)


def test_fetch_reads_history_and_answers_none_for_missing_cards(trello: RunningTrello) -> None:
    connector = TrelloConnector(trello.config)
    connector.discover()
    some = next(iter(trello.expected_items()))
    fetched = connector.fetch(some)
    assert fetched is not None
    assert fetched.transitions
    assert fetched.version >= max(t.event_id for t in fetched.transitions)
    assert connector.fetch("5f0000000000000000000000") is None
    assert connector.fetch("not-an-id") is None


def test_an_incremental_pull_rereads_touched_cards_and_reports_deletions() -> None:
    with HARNESS.running(seed=5, items=400) as vendor:
        connector = TrelloConnector(vendor.config)
        first = pull_items(connector, {}, full=True)
        cursors = {(b.cursor.scope, b.cursor.name): b.cursor.value for b in first if b.cursor}
        quiet = pull_items(TrelloConnector(vendor.config), cursors, full=False)
        assert [b.items for b in quiet] == [() for _ in quiet]
        assert all(b.cursor is None for b in quiet)
        vendor.mutate(30, seed=3)
        deleted = {w.split()[-1] for w in vendor.writes if w.startswith("DELETE")}
        after = pull_items(TrelloConnector(vendor.config), cursors, full=False)
        changed = items_of(after)
        gone = {card for b in after for card in b.deleted_external_ids}
        assert gone == {path.split("/")[-1] for path in deleted}
        expected = vendor.expected_items()
        assert 0 < len(changed) <= 30
        for card_id, item in changed.items():
            assert item.status_category == expected[card_id].status_category
            assert item.assignee_external_id == expected[card_id].assignee_external_id
        moved = [b.cursor for b in after if b.cursor]
        assert all(cursors[(c.scope, c.name)] < c.value for c in moved)


@contextmanager
def callback_server() -> Iterator[str]:
    app = FastAPI()

    @app.head("/hooks/trello")
    def head() -> Response:
        return Response(status_code=200)

    with running_server(app) as url:
        yield f"{url}/hooks/trello"


def test_webhooks_are_registered_listed_and_deleted_through_py_trello(trello: RunningTrello) -> None:
    connector = TrelloConnector(trello.config)
    board = trello.ctx.catalog.board_id(1)
    with callback_server() as callback:
        created = connector.register_webhook(callback, board, "baton sync")
    assert created.id
    listed = connector.list_webhooks()
    assert [(w.id, w.callback_url, w.id_model, w.description) for w in listed] == [
        (created.id, callback, board, "baton sync")
    ]
    connector.delete_webhook(created.id)
    assert connector.list_webhooks() == []
