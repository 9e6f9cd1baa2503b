"""Baton's normalised store: SQLModel tables, one module per aggregate. Imports nothing of Baton's but ``core``.

The table and column names are a public contract (BI tools query them); docs/schema.md describes them.
"""

from sqlmodel import SQLModel

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
from models.view_summary import HygieneSnapshot, ItemTally, PersonTally, ViewSnapshot
from models.webhook import WebhookEvent
from models.webhook_subscription import WebhookSubscription
from models.work_item import Link, Transition, WorkItem, WorkItemLabel

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "Connection",
    "Container",
    "Finding",
    "HygieneSnapshot",
    "ItemTally",
    "JobLease",
    "Link",
    "Person",
    "PersonIdentity",
    "PersonTally",
    "QuarantinedRecord",
    "Report",
    "ReportDelivery",
    "Sprint",
    "SprintMembership",
    "SyncCursor",
    "SyncRun",
    "Transition",
    "ViewSnapshot",
    "WebhookEvent",
    "WebhookSubscription",
    "WorkItem",
    "WorkItemLabel",
    "metadata",
]
