"""What a connector is built from: the connection's settings, its credentials, and injected seams."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from connectors.http import SystemTime, TimeSource
from core.net_policy import NetPolicy
from models.enums import StatusCategory, Vendor

__all__ = ["ConnectorConfig", "StatusClassifier", "vendor_category_only"]

StatusClassifier = Callable[[str, StatusCategory | None, str | None], StatusCategory]
"""(raw status, the vendor's own category if any, container external id) -> Baton's category.

Built by the sync layer from the policy: the policy's override for the container's team wins, then the
vendor category, then ``unknown`` (never an exception).
"""


def vendor_category_only(raw: str, vendor_category: StatusCategory | None, container: str | None) -> StatusCategory:
    """The classifier without a policy: the vendor's category, else ``unknown``."""
    return vendor_category or StatusCategory.UNKNOWN


@dataclass(frozen=True)
class ConnectorConfig:
    """Everything a vendor connector needs; ``transport`` and ``time_source`` are the test seams."""

    name: str
    vendor: Vendor
    base_url: str
    credentials: Mapping[str, str]
    classify_status: StatusClassifier = vendor_category_only
    page_size: int = 100
    overlap: timedelta = timedelta(minutes=2)
    max_concurrency: int = 8
    """Reads of one connection in flight at once (Jira's project streams, Trello's boards, discovery); the rate
    gates bound the requests whatever the number. 8: a site of up to 8 projects reads them all at once, with no
    project left to read alone at the end (bench.compare_floor at 20,000 issues and 150 ms latency: 5 projects on
    4 threads took 28.4 s, on 8 threads 23.1 s)."""
    timeout_seconds: float = 30.0
    time_source: TimeSource = field(default_factory=SystemTime)
    transport: httpx.BaseTransport | None = None
    bot_account_ids: frozenset[str] = frozenset()
    requests_per_minute: int | None = None
    """The account's API rate limit when the policy knows it (Asana's plan); None: the connector's default."""
    net_policy: NetPolicy | None = None  # where requests may go (A9); set by connectors.factory.build_connector
