"""The request budget of an Asana increment: per project its events, its tasks modified since the oldest event
(100 a page), the stories of the touched tasks 10 tasks a POST /batch, and one task_counts for its census."""

from __future__ import annotations

import math
from dataclasses import replace
from urllib.parse import parse_qs

from connectors.asana import AsanaConnector
from models.db import Database
from sync.engine import run_sync
from sync.store import ensure_connection
from tests.connectors.conformance import first_differences, normalise_for_compare
from tests.connectors.harness_asana import HARNESS
from tests.connectors.recording import RecordingTransport
from tests.connectors.test_conformance import stored_items

CHANGES = 120


def test_an_increment_pages_the_changes_batches_the_stories_and_counts_instead_of_a_census(
    database: Database,
) -> None:
    with HARNESS.running(seed=8, items=1500) as asana:
        connection_id = ensure_connection(database, name="asana", vendor="asana", base_url=asana.url)

        def sync(connector: AsanaConnector, *, full: bool) -> None:
            report = run_sync(
                database, connection_id=connection_id, vendor=asana.config.vendor, connector=connector, full=full
            )
            assert report.status == "succeeded", report.errors

        sync(AsanaConnector(asana.config), full=True)
        asana.mutate(CHANGES, seed=2)
        transport = RecordingTransport()
        connector = AsanaConnector(replace(asana.config, transport=transport))
        sync(connector, full=False)
        expected, actual = normalise_for_compare(asana.expected_items()), normalise_for_compare(stored_items(database))
        assert actual == expected, "\n".join(first_differences(expected, actual))

        projects = len(asana.context.catalog.teams)
        sent = list(zip(transport.sent, transport.queries, strict=True))
        listings = [parse_qs(query) for (_, path), query in sent if path == "/api/1.0/tasks"]
        assert listings, "the touched tasks came from listings"
        assert all("modified_since" in query for query in listings)  # no gid census page: counts stood in
        assert transport.count("/task_counts") == projects
        assert [path for _, path in transport.sent if path.endswith("/stories")] == []
        single = [path for _, path in transport.sent if path.startswith("/api/1.0/tasks/")]
        batches = transport.count("/api/1.0/batch")
        touched = CHANGES - CHANGES // 4  # a quarter of the changes are deletions: no stories to read
        assert batches <= math.ceil(touched / 10) + projects
        assert len(listings) <= math.ceil(CHANGES / 100) + projects
        assert len(single) <= CHANGES // 10
        # Discovery (SDK: workspaces, projects, users, sections and custom fields per project) and one events
        # page per project are the rest.
        discovery = 3 + 2 * projects
        bound = discovery + projects + len(listings) + batches + len(single) + projects
        assert connector.requests_made <= bound
        assert connector.requests_made < CHANGES  # the old way: a task and its stories per touched task
