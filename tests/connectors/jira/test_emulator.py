"""The Jira connector against the Jira emulator over real HTTP: P4, P9, P10, P12, fetch, changelog completion,
the SDK bulk path and the webhook helpers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

import migrations
from connectors.base import PullCursor
from connectors.config import ConnectorConfig
from connectors.jira.client import BulkRead, JiraClient, webhook_id_of
from connectors.jira.connector import JiraConnector
from connectors.jira.mapping import updated_since_clause
from connectors.records import Batch, WorkItemIn
from models.db import Database
from models.tables import CURSORS, ITEMS, QUARANTINE
from sync.engine import SyncReport, run_sync
from sync.store import ensure_connection
from tests.connectors.conformance import first_differences, normalise_for_compare
from tests.connectors.harness_jira import HARNESS, RunningJira
from tests.connectors.test_conformance import stored_items
from tests.digest import store_digest
from tests.fake_time import FakeTime

ITEMS_N = 400
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def jira() -> Iterator[RunningJira]:
    with HARNESS.running(seed=11, items=ITEMS_N, now=NOW) as running:
        yield running


def config_of(running: RunningJira, **changes: Any) -> ConnectorConfig:
    base = running.config
    return ConnectorConfig(
        name=base.name,
        vendor=base.vendor,
        base_url=base.base_url,
        credentials=base.credentials,
        **changes,
    )


def over_httpx(config: ConnectorConfig) -> JiraConnector:
    """A connector whose bulk read goes through httpx, so an injected transport sees every page."""
    return JiraConnector(config, JiraClient(config, bulk_read=BulkRead.HTTPX))


def sync(database: Database, connector: Any, *, full: bool) -> SyncReport:
    connection_id = ensure_connection(database, name="jira", vendor="jira", base_url="http://jira.test")
    return run_sync(
        database, connection_id=connection_id, vendor=connector.config.vendor, connector=connector, full=full
    )


def stored_cursors(database: Database) -> dict[str, datetime]:
    """The ``jira.updated`` cursor of each project (each project is pulled as its own stream)."""
    with database.read_session() as session:
        rows = session.execute(select(CURSORS.c.scope, CURSORS.c.value).where(CURSORS.c.name == "jira.updated"))
        return {scope: datetime.fromisoformat(value) for scope, value in rows}


def batches_by_stream(batches: Iterator[Batch]) -> dict[str, list[tuple[WorkItemIn, ...]]]:
    """Each project stream's batches in their order (streams interleave as they come)."""
    streams: dict[str, list[tuple[WorkItemIn, ...]]] = {}
    for batch in batches:
        assert batch.cursor is not None
        streams.setdefault(batch.cursor.scope, []).append(batch.items)
    return streams


def assert_store_matches(database: Database, running: RunningJira) -> None:
    expected = normalise_for_compare(running.expected_items())
    actual = normalise_for_compare(stored_items(database))
    assert actual == expected, "\n".join(first_differences(expected, actual))


class Tamper(httpx.BaseTransport):
    """Real HTTP to the emulator, with a hook that may rewrite a request or its response."""

    def __init__(
        self,
        *,
        request: Callable[[httpx.Request, dict[str, Any] | None], dict[str, Any] | None] | None = None,
        response: Callable[[httpx.Request, bytes], bytes] | None = None,
    ) -> None:
        self.inner = httpx.HTTPTransport()
        self.edit_request = request
        self.edit_response = response
        self.statuses: list[int] = []
        self.bodies: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        if body is not None:
            self.bodies.append(body)
        if self.edit_request is not None and body is not None:
            edited = self.edit_request(request, body)
            if edited is not None:
                headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
                request = httpx.Request(request.method, request.url, headers=headers, json=edited)
        response = self.inner.handle_request(request)
        self.statuses.append(response.status_code)
        if self.edit_response is None:
            return response
        content = self.edit_response(request, response.read())
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, headers=headers, content=content, request=request)

    def close(self) -> None:
        self.inner.close()


# ----- P9 -------------------------------------------------------------------------------------------------


class MutatingConnector:
    """A Jira connector whose pull lets the vendor change between page fetches."""

    def __init__(self, inner: JiraConnector, between_pages: Callable[[int], None]) -> None:
        self.inner = inner
        self.config = inner.config
        self.between_pages = between_pages

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def pull(self, cursors: PullCursor, *, full: bool = False) -> Iterator[Batch]:
        for number, batch in enumerate(self.inner.pull(cursors, full=full)):
            yield batch
            self.between_pages(number)

    @property
    def requests_made(self) -> int:
        return self.inner.requests_made


@pytest.mark.reliability
def test_p9_changes_between_page_fetches_and_in_the_checkpoint_minute_are_neither_missed_nor_doubled(
    database: Database, jira: RunningJira
) -> None:
    """Updates and creates land while a full sync pages (page size 50), then 100 more land in the very minute
    of the stored checkpoint (the emulator clock frozen there). The next incremental run converges: the
    overlap catches what a `updated > cursor` query would miss, in the user's time zone (New York here: a
    UTC-written JQL date would start the window five hours late and miss all of them)."""
    clock = jira.context.runtime.clock
    clock.freeze()
    small_pages = config_of(jira, page_size=50)

    def change(number: int) -> None:
        jira.mutate(25, seed=100 + number)
        clock.advance(7)

    report = sync(database, MutatingConnector(JiraConnector(small_pages), change), full=True)
    assert report.status == "succeeded", report.errors
    assert report.pages > 8, "changed issues move to the end of the crawl and are read again"
    checkpoint = max(stored_cursors(database).values())
    clock.set(checkpoint)  # the same minute (and second) as the latest project's checkpoint
    jira.mutate(100, seed=999)
    report = sync(database, JiraConnector(small_pages), full=False)
    assert report.status == "succeeded", report.errors
    assert_store_matches(database, jira)
    with database.read_session() as session:
        ids = session.execute(select(ITEMS.c.external_id).where(ITEMS.c.deleted_at.is_(None))).scalars().all()
    assert len(ids) == len(set(ids)) == len(jira.expected_items())


def test_the_incremental_jql_names_the_users_local_time(database: Database, jira: RunningJira) -> None:
    sync(database, JiraConnector(jira.config), full=True)
    cursors = stored_cursors(database)
    recorder = Tamper()
    sync(database, over_httpx(config_of(jira, transport=recorder)), full=False)
    queries = [b["jql"] for b in recorder.bodies if "updated >=" in b.get("jql", "")]
    zone = ZoneInfo(jira.context.site.api_user.timezone)  # what /myself says
    assert zone.key != "UTC"
    projects = sorted({q.split(")", 1)[0].removeprefix("project in (") for q in queries})
    assert len(queries) == len(projects) > 1, "one incremental query per project"
    for project_id in projects:
        # A small site's full sync reads one site-wide stream: each project resumes from its cursor ``*``.
        cursor = cursors.get(project_id, cursors["*"])
        (jql,) = [q for q in queries if q.startswith(f"project in ({project_id}) AND ")]
        assert updated_since_clause(cursor, timedelta(minutes=2), zone) in jql
        assert updated_since_clause(cursor, timedelta(minutes=2), UTC) not in jql
        assert jql.endswith("ORDER BY updated ASC, id ASC")


# ----- P10 ------------------------------------------------------------------------------------------------


@pytest.mark.reliability
def test_p10_an_invalid_page_token_falls_back_to_a_full_crawl(database: Database, jira: RunningJira) -> None:
    spoiled: list[str] = []

    def spoil_second_token(request: httpx.Request, body: dict[str, Any] | None) -> dict[str, Any] | None:
        if body and body.get("nextPageToken") and "updated >=" not in body.get("jql", "") and not spoiled:
            spoiled.append(body["nextPageToken"])
            return {**body, "nextPageToken": body["nextPageToken"][:-6] + "AAAAAA"}
        return None

    tamper = Tamper(request=spoil_second_token)
    report = sync(database, over_httpx(config_of(jira, transport=tamper, page_size=50)), full=True)
    assert report.status == "succeeded", report.errors
    assert spoiled
    assert 400 in tamper.statuses
    assert_store_matches(database, jira)
    digest = store_digest(database)
    again = sync(database, JiraConnector(jira.config), full=True)
    assert again.items_changed == 0
    assert store_digest(database) == digest, "identical to a clean crawl"


# ----- P12 ------------------------------------------------------------------------------------------------


@pytest.mark.reliability
def test_p12_an_issue_that_stays_invalid_is_quarantined_and_nothing_else_is_skipped(
    database: Database, jira: RunningJira
) -> None:
    broken: list[str] = []

    def break_the_57th(request: httpx.Request, content: bytes) -> bytes:
        if not request.url.path.endswith("/search/jql") or b'"updated"' not in request.content:
            return content
        page = json.loads(content)
        first_time = len(page.get("issues", [])) >= 57 and not broken
        again = broken and len(page.get("issues", [])) >= 57 and page["issues"][56]["id"] == broken[0]
        if first_time or again:
            broken[:1] = [page["issues"][56]["id"]]
            page["issues"][56]["fields"]["updated"] = "last Tuesday"
        return json.dumps(page).encode()

    report = sync(database, over_httpx(config_of(jira, transport=Tamper(response=break_the_57th))), full=True)
    assert report.status == "succeeded", report.errors
    (bad_id,) = broken
    with database.read_session() as session:
        rows = session.execute(select(QUARANTINE)).mappings().all()
    cursor = max(stored_cursors(database).values())
    (row,) = rows
    assert row["external_id"] == bad_id
    assert row["raw"]["fields"]["updated"] == "last Tuesday"
    assert "timestamp" in row["reason"]
    expected = normalise_for_compare(jira.expected_items())
    actual = normalise_for_compare(stored_items(database))
    assert set(expected) - set(actual) == {bad_id}, "only the quarantined issue is missing"
    assert {k: v for k, v in expected.items() if k != bad_id} == actual
    latest = max(datetime.fromtimestamp(item.updated_at, UTC) for item in jira.live_items())
    assert cursor == latest.replace(microsecond=latest.microsecond // 1000 * 1000)
    # Once the issue maps again, the next sync stores it and clears the quarantine.
    jira.put(jira.context.runtime.store.get(jira.context.runtime.store.find(bad_id) or 0).key, {"labels": ["fixed"]})  # type: ignore[union-attr]
    report = sync(database, JiraConnector(jira.config), full=False)
    assert report.status == "succeeded", report.errors
    assert_store_matches(database, jira)
    with database.read_session() as session:
        assert session.execute(select(QUARANTINE)).all() == []


# ----- P4 -------------------------------------------------------------------------------------------------

FAULTS = "429=0.035,500=0.035,502=0.035,503=0.035,504=0.035,timeout=0.02,reset=0.035,truncate=0.035,invalid=0.035"
FAULT_SEED = 8  # with this seed every fault kind strikes at least once during the sync (asserted)


@pytest.mark.reliability
def test_p4_a_sync_through_every_fault_kind_stores_what_a_fault_free_sync_stores(
    database: Database, empty_database_url: str
) -> None:
    with HARNESS.running(seed=5, items=ITEMS_N, now=NOW) as clean:
        sync(database, JiraConnector(config_of(clean, page_size=20)), full=True)
        clean_digest = store_digest(database)
    faulty_store = Database.from_url(empty_database_url)
    migrations.upgrade_to_head(faulty_store.engine)
    try:
        options = {"faults": FAULTS, "fault_seed": FAULT_SEED, "timeout_fault_seconds": 3.0}
        with HARNESS.running(seed=5, items=ITEMS_N, now=NOW, **options) as faulty:
            struck: Counter[str] = Counter()
            decider = faulty.context.runtime.faults
            decide = decider.decide

            def counting_decide() -> Any:
                kind = decide()
                if kind is not None:
                    struck[str(kind)] += 1
                return kind

            decider.decide = counting_decide  # type: ignore[method-assign]
            time = FakeTime()
            # One request at a time: the seeded faults strike the same requests on every run.
            serial = config_of(faulty, page_size=20, time_source=time, timeout_seconds=1.0, max_concurrency=1)
            connector = JiraConnector(serial)
            report = sync(faulty_store, connector, full=True)
            assert report.status == "succeeded", report.errors  # 0 unhandled exceptions, 0 failed pages
            assert set(struck) == {"429", "500", "502", "503", "504", "timeout", "reset", "truncate", "invalid"}
            assert connector.client.caller.stats.retries >= sum(struck.values())
            assert store_digest(faulty_store) == clean_digest
    finally:
        faulty_store.dispose()


@pytest.mark.reliability
def test_p4_truncated_json_never_advances_the_cursor(database: Database, jira: RunningJira) -> None:
    pages_served: list[int] = []

    intact: set[str] = set()  # the issues of every page served whole

    def truncate_the_third_page(request: httpx.Request, content: bytes) -> bytes:
        if request.url.path.endswith("/search/jql") and b'"updated"' in request.content:
            pages_served.append(1)
            if b"nextPageToken" in request.content and len(pages_served) >= 3:
                return content[: len(content) // 2]
            intact.update(issue["id"] for issue in json.loads(content)["issues"])
        return content

    time = FakeTime()
    tamper = Tamper(response=truncate_the_third_page)
    # A small site's full sync reads one site-wide stream, so the pages come in order and one cursor covers them.
    report = sync(database, over_httpx(config_of(jira, transport=tamper, page_size=50, time_source=time)), full=True)
    assert report.status == "failed"
    # Five broken bodies in a row open the connection's breaker: the page fails, the process does not.
    assert report.errors[-1]["message"].startswith(("InvalidPayload", "CircuitOpen"))
    with database.read_session() as session:
        stored = session.execute(select(ITEMS.c.external_id, ITEMS.c.source_updated_at)).all()
    assert len(stored) == 100, "two pages stored, nothing of the broken one"
    assert {item_id for item_id, _ in stored} <= intact
    assert stored_cursors(database) == {"*": max(updated for _, updated in stored)}


# ----- fetch, changelog, census, count ---------------------------------------------------------------------


def test_fetch_reads_the_whole_changelog_and_none_once_deleted(jira: RunningJira) -> None:
    key = next(item.key for item in jira.live_items() if item.type.value == "story")
    for n in range(45):
        jira.put(key, {jira.context.site.fields.story_points: float(n % 7 + 1)})
    connector = JiraConnector(jira.config)
    store = jira.context.runtime.store
    index = store.find_key(key)
    assert index is not None
    item = store.get(index)
    assert item is not None
    histories = jira.http.get(f"/rest/api/3/issue/{key}/changelog", params={"maxResults": 100}).json()["values"]
    assert len(histories) > 40
    fetched = connector.fetch(item.external_id)
    assert fetched is not None
    estimates = [t for t in fetched.transitions if t.field == "estimate"]
    assert len(estimates) >= 45
    pulled = {i.external_id: i for batch in connector.pull({}, full=True) for i in batch.items}
    assert pulled[item.external_id].transitions == fetched.transitions, "bulkfetch completes the pull's changelog"
    assert pulled[item.external_id].version == fetched.version
    jira.delete(key)
    assert connector.fetch(item.external_id) is None


def test_estimate_total_and_census_agree_with_the_emulator(jira: RunningJira) -> None:
    connector = JiraConnector(jira.config)
    discovery = connector.discover()
    assert connector.estimate_total() == len(jira.expected_items())
    projects = [c for c in discovery.containers if c.kind == "project"]
    boards = [c for c in discovery.containers if c.kind == "board"]
    assert {b.parent_external_id for b in boards} == {p.external_id for p in projects}
    for project in projects:
        expected = {
            i.external_id for i in jira.live_items() if jira.context.site.project_id(i.team) == project.external_id
        }
        assert connector.census(project) == expected
    assert discovery.estimate_field == jira.context.site.fields.story_points
    assert discovery.sprints
    assert any(s.category == "backlog" for s in discovery.statuses)
    assert any(s.category == "cancelled" for s in discovery.statuses)


def test_the_sdk_bulk_path_reads_the_same_batches_as_httpx(jira: RunningJira) -> None:
    via_httpx = over_httpx(jira.config)
    via_sdk = JiraConnector(jira.config, JiraClient(jira.config, bulk_read=BulkRead.SDK))
    assert batches_by_stream(via_sdk.pull({}, full=True)) == batches_by_stream(via_httpx.pull({}, full=True))
    assert via_sdk.requests_made == via_httpx.requests_made


# ----- webhooks -------------------------------------------------------------------------------------------


def test_admin_webhooks_register_list_and_delete(jira: RunningJira) -> None:
    client = JiraClient(jira.config)
    jql = f"project = {jira.context.site.teams[0].key}"
    created = client.register_webhook("https://baton.example.com/webhooks/jira", "s3cret", jql)
    assert "secret" not in created
    webhook_id = webhook_id_of(created)
    listed = client.list_webhooks()
    assert [webhook_id_of(w) for w in listed] == [webhook_id]
    assert listed[0]["filters"]["issue-related-events-section"] == jql
    client.delete_webhook(webhook_id)
    assert client.list_webhooks() == []
    from connectors.errors import NotFound

    with pytest.raises(NotFound):
        client.delete_webhook(webhook_id)


def test_check_names_the_account_and_refuses_bad_credentials(jira: RunningJira) -> None:
    from connectors.errors import AuthError

    assert "@" in JiraConnector(jira.config).check()
    wrong = ConnectorConfig(
        name="jira", vendor=jira.config.vendor, base_url=jira.base_url, credentials={"email": "x@y", "api_token": "no"}
    )
    connector = JiraConnector(wrong)
    with pytest.raises(AuthError):
        connector.check()
    assert connector.requests_made == 2  # serverInfo (anonymous) and one refused /myself, never retried
