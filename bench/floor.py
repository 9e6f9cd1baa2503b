"""The physical floor of a Jira full sync: a bare httpx client fetching exactly the pages the sync needs.

The plan (the query, the fields and the projects) comes from Baton's own discovery, made once before timing,
so both sides ask the emulator for the same pages: every ``search/jql`` page of 100 issues of each project
(Baton pulls each project as its own stream) with the same fields and ``expand=changelog``, then the ids-only
census pages of 5,000 per project. The floor parses each
page only to find its ``nextPageToken`` and keeps nothing; it is serial (one request at a time).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx

from bench.emulated import CREDENTIALS

__all__ = ["FloorPlan", "FloorRun", "fetch_floor", "plan_jira_floor"]

SEARCH = "/rest/api/3/search/jql"
DISCOVERY_GETS = (
    "/rest/api/3/serverInfo",
    "/rest/api/3/myself",
    "/rest/api/3/field",
    "/rest/api/3/project/search",
    "/rest/api/3/status",
    "/rest/agile/1.0/board",
)


@dataclass(frozen=True)
class FloorPlan:
    """What a full sync asks for: the pull query and fields, and the projects to census."""

    jql: str
    fields: tuple[str, ...]
    project_ids: tuple[str, ...]


@dataclass(frozen=True)
class FloorRun:
    """One pass of the floor."""

    requests: int
    issues: int
    seconds: float


def plan_jira_floor(url: str) -> FloorPlan:
    """Ask Baton's Jira connector (untimed) which query and fields its full sync uses."""
    from connectors.config import ConnectorConfig
    from connectors.jira.connector import JiraConnector
    from connectors.jira.mapping import search_jql
    from models.enums import Vendor

    config = ConnectorConfig(name="floor", vendor=Vendor.JIRA, base_url=url, credentials=CREDENTIALS["jira"])
    facts = JiraConnector(config).site()
    project_ids = tuple(facts.project_ids)
    return FloorPlan(search_jql(project_ids), tuple(facts.schema.fields_to_request()), project_ids)


def _pages(client: httpx.Client, body: dict[str, object]) -> tuple[int, int]:
    """Page one search to its end; returns (requests, issues)."""
    requests = issues = 0
    token: str | None = None
    while True:
        page_body = dict(body, nextPageToken=token) if token else body
        response = client.post(SEARCH, json=page_body)
        response.raise_for_status()
        page = json.loads(response.content)
        requests += 1
        issues += len(page.get("issues") or [])
        token = page.get("nextPageToken")
        if not token or page.get("isLast"):
            return requests, issues


def fetch_floor(url: str, plan: FloorPlan) -> FloorRun:
    """Fetch every page of the plan, serially, and discard it."""
    from connectors.jira.mapping import search_jql

    auth = (CREDENTIALS["jira"]["email"], CREDENTIALS["jira"]["api_token"])
    started = time.perf_counter()
    with httpx.Client(base_url=url, auth=auth, timeout=600) as client:
        for path in DISCOVERY_GETS:
            client.get(path).raise_for_status()
        requests = issues = 0
        for project in plan.project_ids:  # Baton pulls each project as its own stream (its own cursor)
            pull = {"jql": search_jql([project]), "fields": list(plan.fields), "expand": "changelog", "maxResults": 100}
            pages, found = _pages(client, pull)
            requests, issues = requests + pages, issues + found
        for project in plan.project_ids:
            census, _ = _pages(client, {"jql": f"project = {project}", "fields": ["id"], "maxResults": 5000})
            requests += census
    return FloorRun(requests + len(DISCOVERY_GETS), issues, time.perf_counter() - started)
