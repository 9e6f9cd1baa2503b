"""The policy file ("process as code"): its model, a loader that points at every problem's line, and hot reload.

Typical use::

    loaded = load_policy(Path("policy.yaml"))      # raises PolicyError listing every problem
    loaded.policy.rules.for_team(RuleId.R01, "web").days
    holder = PolicyHolder.from_file(path, now=utc_now())
    holder.refresh(utc_now())                        # the server calls this periodically
"""

from core.policy.connections import (
    AsanaConnection,
    Connection,
    CredentialsError,
    JiraConnection,
    TrelloConnection,
    resolve_credentials,
)
from core.policy.enums import AsanaPlan, ContainerKind, ItemType, MappedCategory, RuleId, Severity, Vendor
from core.policy.errors import PolicyError, PolicyFileMissing, PolicyProblem
from core.policy.hygiene import Hygiene, SeverityWeights
from core.policy.loader import LoadedPolicy, load_policy, load_policy_bytes, load_policy_file, load_policy_text
from core.policy.model import Policy
from core.policy.people import Bots, Person
from core.policy.reload import FileStamp, PolicyHolder, RefreshOutcome, RefreshResult, run_policy_refresh
from core.policy.report import Report, ReportDelivery
from core.policy.rules import Exemptions, RuleSettings, RulesPolicy
from core.policy.schedules import Schedules, SyncSchedule
from core.policy.schema import policy_json_schema
from core.policy.secrets import EnvRef, LiteralSecret, MissingSecretError, SecretValue, resolve_secret
from core.policy.status_mapping import StatusMapping, StatusOverrides, normalise_status
from core.policy.teams import ContainerRef, Team
from core.policy.workflow import Workflow, WorkflowState

__all__ = [
    "AsanaConnection",
    "AsanaPlan",
    "Bots",
    "Connection",
    "ContainerKind",
    "ContainerRef",
    "CredentialsError",
    "EnvRef",
    "Exemptions",
    "FileStamp",
    "Hygiene",
    "ItemType",
    "JiraConnection",
    "LiteralSecret",
    "LoadedPolicy",
    "MappedCategory",
    "MissingSecretError",
    "Person",
    "Policy",
    "PolicyError",
    "PolicyFileMissing",
    "PolicyHolder",
    "PolicyProblem",
    "RefreshOutcome",
    "RefreshResult",
    "Report",
    "ReportDelivery",
    "RuleId",
    "RuleSettings",
    "RulesPolicy",
    "Schedules",
    "SecretValue",
    "Severity",
    "SeverityWeights",
    "StatusMapping",
    "StatusOverrides",
    "SyncSchedule",
    "Team",
    "TrelloConnection",
    "Vendor",
    "Workflow",
    "WorkflowState",
    "load_policy",
    "load_policy_bytes",
    "load_policy_file",
    "load_policy_text",
    "normalise_status",
    "policy_json_schema",
    "resolve_credentials",
    "resolve_secret",
    "run_policy_refresh",
]
