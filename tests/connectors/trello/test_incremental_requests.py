"""The request budget of a Trello incremental sync: per board, its new actions' pages plus its card pages,
which both re-read the touched cards and stand for the board's census; closing histories 10 cards a batch."""

from __future__ import annotations

import math
from dataclasses import replace

from connectors.trello.connector import TrelloConnector
from emulators.trello.card_index import CardFilter, CardQuery
from models.db import Database
from tests.connectors.conformance import first_differences, normalise_for_compare
from tests.connectors.harness_trello import HARNESS, PAGE
from tests.connectors.recording import RecordingTransport
from tests.connectors.test_conformance import stored_items, sync

CHANGES = 120


def test_an_increment_reads_each_board_once_and_no_card_alone(database: Database) -> None:
    with HARNESS.running(seed=21, items=2400) as vendor:
        sync(database, vendor, TrelloConnector(vendor.config), full=True)
        vendor.mutate(CHANGES, seed=5)
        transport = RecordingTransport()
        connector = TrelloConnector(replace(vendor.config, transport=transport))
        report = sync(database, vendor, connector, full=False)
        assert report.status == "succeeded", report.errors
        expected, actual = normalise_for_compare(vendor.expected_items()), normalise_for_compare(stored_items(database))
        assert actual == expected, "\n".join(first_differences(expected, actual))
        boards = len(vendor.ctx.catalog.teams)
        cards = [
            sum(1 for _ in vendor.ctx.board_cards.select(t, CardQuery(filter=CardFilter.ALL))) for t in range(boards)
        ]
        card_pages = sum(count // PAGE + 1 for count in cards)
        single_cards = [path for _, path in transport.sent if path.startswith("/1/cards/")]
        batches = transport.count("/1/batch")
        assert single_cards == []  # every touched card came from its board's pages (or a batch)
        assert transport.count("/cards/all") == card_pages  # once per board: the census read no page again
        assert transport.count("/actions") == boards  # 120 changes: one page of new actions per board
        assert batches <= math.ceil(CHANGES / 10)
        discovery = 2 + boards  # members/me, members/me/boards, one read per board
        assert connector.requests_made == discovery + boards + card_pages + batches
