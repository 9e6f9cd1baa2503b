"""The Core ``Table`` of every model, for set-based SQL (upserts, bulk updates, reports)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from models.api_key import ApiKey
from models.connection import Connection
from models.container import Container
from models.finding import Finding
from models.job_lease import JobLease
from models.person import Person, PersonIdentity
from models.quarantine import QuarantinedRecord
from models.report import Report, ReportDelivery
from models.sprint import Sprint, SprintMembership
from models.sync_state import SyncCursor, SyncRun
from models.webhook import WebhookEvent
from models.webhook_subscription import WebhookSubscription
from models.work_item import Link, Transition, WorkItem, WorkItemLabel

__all__ = [
    "API_KEYS",
    "CONNECTIONS",
    "CONTAINERS",
    "CURSORS",
    "FINDINGS",
    "IDENTITIES",
    "ITEMS",
    "JOB_LEASES",
    "LABELS",
    "LINKS",
    "MEMBERSHIPS",
    "PEOPLE",
    "QUARANTINE",
    "REPORTS",
    "REPORT_DELIVERIES",
    "RUNS",
    "SPRINTS",
    "TRANSITIONS",
    "WEBHOOK_EVENTS",
    "WEBHOOK_SUBSCRIPTIONS",
    "table_of",
]


def table_of(model: type[Any]) -> Table:
    """The ``Table`` behind a SQLModel table class."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


API_KEYS = table_of(ApiKey)
CONNECTIONS = table_of(Connection)
CONTAINERS = table_of(Container)
CURSORS = table_of(SyncCursor)
FINDINGS = table_of(Finding)
IDENTITIES = table_of(PersonIdentity)
ITEMS = table_of(WorkItem)
JOB_LEASES = table_of(JobLease)
LABELS = table_of(WorkItemLabel)
LINKS = table_of(Link)
MEMBERSHIPS = table_of(SprintMembership)
PEOPLE = table_of(Person)
QUARANTINE = table_of(QuarantinedRecord)
REPORTS = table_of(Report)
REPORT_DELIVERIES = table_of(ReportDelivery)
RUNS = table_of(SyncRun)
SPRINTS = table_of(Sprint)
TRANSITIONS = table_of(Transition)
WEBHOOK_EVENTS = table_of(WebhookEvent)
WEBHOOK_SUBSCRIPTIONS = table_of(WebhookSubscription)
