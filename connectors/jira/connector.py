"""The Jira Cloud :class:`~connectors.base.Connector`: discovery, pulls, fetch, census and webhooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from connectors.base import PullCursor
from connectors.config import ConnectorConfig
from connectors.errors import AuthError
from connectors.jira import webhooks
from connectors.jira.client import BulkRead, JiraClient
from connectors.jira.discovery import (
    SiteFacts,
    assemble_discovery,
    discover_people,
    discover_site,
    discover_sprints,
)
from connectors.jira.mapping import epic_parent_of, map_issue, projects_jql
from connectors.jira.pull import CURSOR_NAME, IssuePuller, complete_histories
from connectors.jira.streams import merged_streams, project_streams_pay_off
from connectors.records import Batch, ContainerIn, Discovery, WebhookDelivery, WorkItemIn
from models.enums import ContainerKind

__all__ = ["JiraConnector", "build"]


class JiraConnector:
    """One Jira Cloud site, read through :class:`JiraClient`; never touches the database."""

    def __init__(self, config: ConnectorConfig, client: JiraClient | None = None) -> None:
        self.config = config
        self.client = client or JiraClient(config)
        self._facts: SiteFacts | None = None
        self._known_sprints: set[str] = set()
        self._estimated_total: int | None = None  # from estimate_total(), which a full sync asks first

    # ----- discovery --------------------------------------------------------------------------------------

    def check(self) -> str:
        """Who the credentials belong to (``AuthError`` when Jira refuses them)."""
        me = self.client.myself()
        if not me.get("accountId"):
            raise AuthError("Jira answered /myself without an account")
        email = me.get("emailAddress")
        return f"{me.get('displayName') or me['accountId']}" + (f" <{email}>" if email else "")

    def site(self) -> SiteFacts:
        """Projects, boards, statuses, fields and the user's time zone (read once per connector)."""
        if self._facts is None:
            self._facts = discover_site(self.client, self.config)
        return self._facts

    def discover(self) -> Discovery:
        """Containers (projects, boards under them), statuses, the estimate field, people, sprints."""
        self._facts = discover_site(self.client, self.config)
        sprints = discover_sprints(self.client, self._facts, workers=self.config.max_concurrency)
        self._known_sprints |= {s.external_id for s in sprints}
        return assemble_discovery(self._facts, discover_people(self.client), sprints)

    # ----- pulls ------------------------------------------------------------------------------------------

    def puller(self, project_id: str | None = None) -> IssuePuller:
        """A puller over this site, or over one project with that project's cursor (tests use it to reach one
        page at a time)."""
        return IssuePuller(
            self.client,
            self.site(),
            page_size=self.config.page_size,
            overlap=self.config.overlap,
            known_sprints=self._known_sprints,
            project_ids=None if project_id is None else [project_id],
            scope="*" if project_id is None else project_id,
        )

    def pull(self, cursors: PullCursor, *, full: bool = False) -> Iterator[Batch]:
        """Every issue (``full``) or those changed since each project's ``jira.updated`` cursor, a page per batch.

        A full pull of a small site (see :func:`project_streams_pay_off`) reads one site-wide stream. Otherwise:
        one stream per project, up to ``max_concurrency`` of the connection read at once (while one waits for
        Jira the others are in flight; the client's rate gate bounds the requests whatever their number); each
        batch carries its project's cursor. A project without a cursor of its own resumes from the site-wide cursor
        an older Baton stored (``*``), or is read in full.
        """
        project_ids = self.site().project_ids
        if full and len(project_ids) > 1 and self._estimated_total is None:
            self.estimate_total()  # one request; a sync with progress has asked already
        if full and not project_streams_pay_off(len(project_ids), self._estimated_total, self.config.page_size):
            yield from self.puller().pull(None)  # a small site: one stream reads the fewest pages
            return
        site_wide = None if full else cursors.get(("*", CURSOR_NAME))
        streams = [
            self._project_stream(project_id, None if full else cursors.get((project_id, CURSOR_NAME), site_wide))
            for project_id in project_ids
        ]
        yield from merged_streams(streams, workers=self.config.max_concurrency)

    def _project_stream(self, project_id: str, cursor: str | None) -> Callable[[], Iterator[Batch]]:
        return lambda: self.puller(project_id).pull(cursor)

    def fetch(self, external_id: str) -> WorkItemIn | None:
        """One issue now, with its whole changelog; ``None`` when it no longer exists."""
        facts = self.site()
        schema = facts.schema
        raw = self.client.issue(external_id, fields=schema.fields_to_request())
        if raw is None:
            return None
        changelog = raw.get("changelog") or {}
        embedded = changelog.get("histories") or []
        histories = embedded
        if isinstance(changelog.get("total"), int) and changelog["total"] > len(embedded):
            histories = complete_histories(embedded, self.client.issue_changelog(external_id))
        epics: dict[str, str | None] = {}
        parent_id, parent_is_epic = epic_parent_of(raw)
        if parent_id and not parent_is_epic:
            parent = self.client.issue(parent_id, fields=["parent"], expand=None)
            grand, grand_is_epic = epic_parent_of(parent or {})
            epics[parent_id] = grand if grand_is_epic else None
        return map_issue(raw, schema, histories=histories, epic_of=epics)

    def census(self, container: ContainerIn) -> set[str]:
        """Every issue id of a project (ids-only search) or of a board (Agile board issues)."""
        if container.kind is ContainerKind.BOARD:
            return set(self.client.board_issue_ids(container.external_id))
        return set(self.client.search_ids(f"project = {container.external_id} ORDER BY id ASC"))

    def census_count(self, container: ContainerIn) -> int | None:
        """A project's issue count from ``search/approximate-count`` (one request); ``None`` for a board."""
        if container.kind is ContainerKind.BOARD:
            return None
        return self.client.approximate_count(f"project = {container.external_id}")

    def estimate_total(self) -> int | None:
        """Jira's approximate count of the issues a full pull reads."""
        self._estimated_total = self.client.approximate_count(projects_jql(self.site().project_ids))
        return self._estimated_total

    @property
    def requests_made(self) -> int:
        """Requests sent so far, SDK calls included."""
        return self.client.requests_made

    # ----- webhooks ---------------------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> bool:
        """``X-Hub-Signature`` over the raw body."""
        signature = next((v for k, v in headers.items() if k.lower() == "x-hub-signature"), None)
        return webhooks.verify_jira_signature(signature, body, secret)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> tuple[WebhookDelivery, ...]:
        """A verified delivery as its one event."""
        return webhooks.parse_jira_webhook({k.lower(): v for k, v in headers.items()}, body)


def build(config: ConnectorConfig) -> JiraConnector:
    """The connector of a Jira connection (registered with the factory)."""
    bulk = BulkRead(config.credentials.get("bulk_read", BulkRead.SDK))
    return JiraConnector(config, JiraClient(config, bulk_read=bulk))
