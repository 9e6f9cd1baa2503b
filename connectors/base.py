"""The Connector protocol every vendor implements; the conformance suite in tests/connectors runs over all."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from connectors.records import Batch, ContainerIn, Discovery, WebhookDelivery, WorkItemIn

__all__ = ["Connector", "PullCursor"]

PullCursor = Mapping[tuple[str, str], str]
"""Stored cursors of a connection, keyed by (scope, name); empty for a full pull."""


@runtime_checkable
class Connector(Protocol):
    """One vendor account. Owns paging and mapping; never touches the database."""

    def check(self) -> str:
        """Verify the credentials; return who Baton is signed in as. Raises ``AuthError``."""
        ...

    def discover(self) -> Discovery:
        """Containers, statuses and their categories, the estimate field, people, sprints."""
        ...

    def pull(self, cursors: PullCursor, *, full: bool = False) -> Iterator[Batch]:
        """Yield normalised batches since ``cursors`` (everything when ``full``), each with its cursor."""
        ...

    def fetch(self, external_id: str) -> WorkItemIn | None:
        """Read one item now (webhook processing); ``None`` when it no longer exists."""
        ...

    def census(self, container: ContainerIn) -> set[str]:
        """Every item id in ``container`` (ids only, cheap): deletions are what vanished since."""
        ...

    def census_count(self, container: ContainerIn) -> int | None:
        """How many items ``container`` holds, when the vendor answers that in one request; else ``None``.

        An incremental sync skips the id census of a container whose count equals the store's live count.
        """
        ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> bool:
        """Check a delivery's signature over the raw ``body``, in constant time."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> tuple[WebhookDelivery, ...]:
        """Parse a verified delivery into its events (Asana batches several). ``ValueError`` if malformed."""
        ...

    def estimate_total(self) -> int | None:
        """How many items a full pull will yield, if the vendor can tell cheaply (progress bars); else ``None``."""
        ...

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far (request-efficiency figures, ``sync_run.requests``)."""
        ...
