"""Turning the policy into what connectors and the sync engine need: configs, teams of containers, statuses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import update

from connectors.config import ConnectorConfig
from connectors.records import ContainerIn, Discovery
from core.policy import Policy
from core.policy.connections import AsanaConnection, resolve_credentials
from core.policy.teams import ContainerRef
from models.db import Database
from models.enums import StatusCategory
from models.tables import CONTAINERS

__all__ = ["PolicyBridge", "connector_config_for"]


def _matches(ref: ContainerRef, container: ContainerIn) -> bool:
    if ref.kind is not None and str(ref.kind) != str(container.kind):
        return False
    if ref.id is not None:
        return str(ref.id) == container.external_id
    if ref.key is not None:
        return container.key is not None and str(ref.key).casefold() == container.key.casefold()
    return ref.name is not None and str(ref.name).casefold() == container.name.casefold()


@dataclass
class PolicyBridge:
    """One connection seen through the policy: which team owns each container, and status categories."""

    policy: Policy
    connection: str
    team_of_container: dict[str, str] = field(default_factory=dict)

    def assign_teams(self, database: Database, connection_id: int, discovery: Discovery) -> None:
        """Work out each discovered container's team and record it on the ``container`` rows."""
        owned: dict[str, str] = {}
        for team_name, team in self.policy.teams.items():
            for ref in team.containers:
                if ref.connection != self.connection:
                    continue
                for container in discovery.containers:
                    if _matches(ref, container):
                        owned[container.external_id] = team_name
        # A list or section belongs to its board's or project's team unless a team claims it directly.
        for container in discovery.containers:
            parent = container.parent_external_id
            if container.external_id not in owned and parent is not None and parent in owned:
                owned[container.external_id] = owned[parent]
        self.team_of_container = owned
        with database.session() as session:
            for container in discovery.containers:
                session.execute(
                    update(CONTAINERS)
                    .where(
                        CONTAINERS.c.connection_id == connection_id,
                        CONTAINERS.c.kind == str(container.kind),
                        CONTAINERS.c.external_id == container.external_id,
                        CONTAINERS.c.team.is_distinct_from(owned.get(container.external_id)),
                    )
                    .values(team=owned.get(container.external_id))
                )
            session.commit()

    def classify(self, raw: str, vendor_category: StatusCategory | None, container: str | None) -> StatusCategory:
        """The policy's override for the container's team, else the vendor's category, else ``unknown``."""
        team = self.team_of_container.get(container) if container is not None else None
        override = self.policy.status_mapping.category_for(raw, team=team, connection=self.connection)
        if override is not None:
            return StatusCategory(str(override))
        return vendor_category or StatusCategory.UNKNOWN


def _requests_per_minute(connection: object) -> int | None:
    """The vendor rate limit the policy implies: an Asana connection's plan."""
    if isinstance(connection, AsanaConnection):
        from connectors.asana.client import PLAN_REQUESTS_PER_MINUTE  # imports the Asana SDK: only when needed

        return PLAN_REQUESTS_PER_MINUTE[str(connection.plan)]
    return None


def connector_config_for(
    policy: Policy, name: str, environ: Mapping[str, str], **seams: Any
) -> tuple[ConnectorConfig, PolicyBridge]:
    """The connector config of policy connection ``name`` (credentials resolved) and its bridge."""
    connection = policy.connection(name)
    if connection is None:
        raise LookupError(f"the policy has no connection named {name!r}")
    bridge = PolicyBridge(policy, name)
    bots = frozenset(str(account) for account in policy.bots.accounts.get(name, []))
    config = ConnectorConfig(
        name=name,
        vendor=connection.vendor,
        base_url=connection.base_url,
        credentials=resolve_credentials(connection, environ),
        classify_status=bridge.classify,
        bot_account_ids=bots,
        requests_per_minute=_requests_per_minute(connection),
    )
    return (replace(config, **seams) if seams else config), bridge
