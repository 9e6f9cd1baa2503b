"""The two load scenarios (L1 dashboard list, L2 webhook ingest), each a store plus a running `baton serve`."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import migrations
from api.auth.keys import create_api_key
from bench.api_views import seed
from bench.load_common import Request, jira_delivery, running_server
from models.db import Database
from models.enums import ApiKeyRole
from tests.dbutil import fresh_database_url

__all__ = ["Scenario", "dashboard", "webhooks"]

POLICY = """version: 1
connections:
  - name: jira
    vendor: jira
    base_url: "https://jira.example"
    credentials: {email: {env: JIRA_EMAIL}, api_token: {env: JIRA_API_TOKEN}}
    webhook_secret: {env: JIRA_WEBHOOK_SECRET}
"""


@dataclass
class Scenario:
    """A served store and the requests of one load kind."""

    url: str
    pid: int
    log: Path
    database_url: str
    next_request: Callable[[int], Request]


@contextmanager
def _served_store(
    dialect: str, workdir: Path, items: int, workers: int
) -> Iterator[tuple[str, str, dict[str, object], str]]:
    with fresh_database_url(dialect, workdir) as database_url:
        database = Database.from_url(database_url)
        migrations.upgrade_to_head(database.engine)
        info = seed(database, items) if items else {}
        key = create_api_key(database, name="bench", role=ApiKeyRole.VIEWER).secret
        database.dispose()
        policy = workdir / "policy.yaml"
        policy.write_text(POLICY)
        with running_server(database_url, workdir, policy=policy, workers=workers, BATON_INBOX_WORKER="false") as (
            url,
            process,
            log,
        ):
            yield url, key, {"pid": process.pid, "log": log, **info}, database_url


@contextmanager
def dashboard(dialect: str, workdir: Path, *, items: int, workers: int = 1) -> Iterator[Scenario]:
    """L1: the dashboard's item list, 50 per page, across a few filters and sorts, as a viewer."""
    with _served_store(dialect, workdir, items, workers) as (url, key, info, database_url):
        paths = [
            "/api/v1/items?limit=50",
            "/api/v1/items?limit=50&sort=due",
            "/api/v1/items?limit=50&status_category=in_progress",
            "/api/v1/items?limit=50&team=team-3",
        ]
        headers = {"Authorization": f"Bearer {key}"}

        def next_request(n: int) -> Request:
            return "GET", paths[n % len(paths)], None, headers

        yield Scenario(url, int(str(info["pid"])), Path(str(info["log"])), database_url, next_request)


@contextmanager
def webhooks(
    dialect: str, workdir: Path, *, items: int = 0, workers: int = 1, prefix: str = "l2"
) -> Iterator[Scenario]:
    """L2: signed Jira deliveries, each with its own delivery id (stored in the inbox, acknowledged)."""
    with _served_store(dialect, workdir, items, workers) as (url, _key, info, database_url):
        rng = random.Random(7)

        def next_request(n: int) -> Request:
            return jira_delivery(n, 10_000 + rng.randrange(100_000), prefix=prefix)

        yield Scenario(url, int(str(info["pid"])), Path(str(info["log"])), database_url, next_request)
