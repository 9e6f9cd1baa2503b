"""The whole pipeline on the emulator's organisation: three emulators over real HTTP, the real connectors, the store.

The emulators run in-process on ephemeral 127.0.0.1 ports with one seed, item count and "now"; the policy names
their URLs and reads credentials from an environment mapping; each connection is synced as ``baton sync`` does
(``sync.policy_bridge.connector_config_for`` -> ``connectors.factory.build_connector`` -> ``sync.engine.run_sync``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from connectors.factory import build_connector
from core.policy import Policy, load_policy_text
from emulators.asana import PLUGIN as ASANA
from emulators.config import EmulatorConfig
from emulators.jira import PLUGIN as JIRA
from emulators.org.generator import DEFAULT_NOW, Organisation, OrgConfig
from emulators.org.model import Vendor
from emulators.registry import VendorPlugin
from emulators.server import running_server
from emulators.trello import PLUGIN as TRELLO
from emulators.trello.app import build_trello
from models.db import Database
from models.enums import SyncStatus
from models.enums import Vendor as StoreVendor
from sync.connections import sync_connections_from_policy
from sync.engine import SyncReport, run_sync
from sync.policy_bridge import connector_config_for

__all__ = ["LiveOrg", "live_org", "live_policy", "sync_everything", "trello_people"]

POLICY_TEMPLATE = Path(__file__).with_name("planted_policy.yaml")
REFERENCE_STATES = {"Backlog", "To Do", "In Progress", "In Review", "Done", "Won't Do"}

# What each emulator accepts, and the environment the policy's {env: NAME} credentials are read from.
EMULATOR_CREDENTIALS: dict[Vendor, dict[str, str]] = {
    Vendor.JIRA: {"email": "baton@example.com", "api_token": "jira-token"},
    Vendor.TRELLO: {"api_key": "trello-key", "token": "trello-token", "app_secret": "trello-secret"},
    Vendor.ASANA: {"access_token": "asana-token"},
}
ENVIRONMENT = {
    "JIRA_API_TOKEN": "jira-token",
    "TRELLO_API_KEY": "trello-key",
    "TRELLO_TOKEN": "trello-token",
    "ASANA_TOKEN": "asana-token",
}
PLUGINS: dict[Vendor, VendorPlugin] = {Vendor.JIRA: JIRA, Vendor.TRELLO: TRELLO, Vendor.ASANA: ASANA}


@dataclass(frozen=True)
class LiveOrg:
    """The generated organisation the emulators serve, and each emulator's base URL."""

    org: Organisation
    urls: dict[Vendor, str]
    trello_member_ids: dict[int, str]

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.org.now, tz=UTC)


@contextmanager
def live_org(seed: int, items: int, now: datetime = DEFAULT_NOW) -> Iterator[LiveOrg]:
    """Serve Jira, Trello and Asana emulators of one organisation (same seed, size and "now") on 127.0.0.1."""
    with ExitStack() as stack:
        urls: dict[Vendor, str] = {}
        members: dict[int, str] = {}
        for vendor in Vendor:
            config = EmulatorConfig(
                vendor=vendor.value, seed=seed, items=items, now=now, credentials=dict(EMULATOR_CREDENTIALS[vendor])
            )
            if vendor is Vendor.TRELLO:
                app, trello = build_trello(config)
                org = trello.runtime.org
                members = {p.id: trello.catalog.member_id(p.id) for p in org.people_of(Vendor.TRELLO)}
            else:
                app = PLUGINS[vendor].build_app(config)
            urls[vendor] = stack.enter_context(running_server(app))
        yield LiveOrg(Organisation(OrgConfig(seed=seed, items=items, now=now)), urls, members)


def live_policy(live: LiveOrg) -> Policy:
    """The planted-cases policy pointing at the served emulators, one team per generated team and tool.

    Teams name their containers as a Product Ops lead would: the Jira project by key and its board by name, the
    Trello board and the Asana project by id. People lists every Trello member with their e-mail.
    """
    document: dict[str, Any] = yaml.safe_load(POLICY_TEMPLATE.read_text())
    for connection in document["connections"]:
        connection["base_url"] = live.urls[Vendor(connection["name"])]
    org = live.org
    teams: dict[str, Any] = {}
    for vendor in Vendor:
        for team in org.teams(vendor):
            containers: list[dict[str, Any]]
            if vendor is Vendor.JIRA:
                containers = [
                    {"connection": "jira", "kind": "project", "key": team.key},
                    {"connection": "jira", "kind": "board", "name": f"{team.key} board"},
                ]
            else:
                containers = [{"connection": vendor.value, "id": org.container_id(vendor, team.index)}]
            teams[f"{vendor.value}-{team.index}"] = {
                "containers": containers,
                "timezone": team.timezone,
                "requires_epics": True,
                # The policy may only require states of the reference workflow.
                "required_states": [s.name for s in team.workflow.progress_path() if s.name in REFERENCE_STATES],
            }
    document["teams"] = teams
    document["people"] = trello_people(live)
    return load_policy_text(yaml.safe_dump(document), source="planted_policy.yaml").policy


def trello_people(live: LiveOrg) -> list[dict[str, Any]]:
    """Trello shows no member's e-mail, so the policy names each person's Trello account next to their e-mail."""
    people: list[dict[str, Any]] = []
    seen: set[str] = set()
    for person in live.org.people_of(Vendor.TRELLO):
        if person.is_bot:
            continue
        name = person.name if person.name not in seen else f"{person.name} ({person.email})"
        seen.add(name)
        account = live.trello_member_ids[person.id]
        people.append({"name": name, "emails": [person.email], "accounts": {"trello": account}})
    return people


def sync_connection(database: Database, policy: Policy, name: str, connection_id: int, clock: Any) -> SyncReport:
    """One ``baton sync`` of one policy connection (full), returning its report."""
    config, bridge = connector_config_for(policy, name, ENVIRONMENT)
    connector = build_connector(config)
    return run_sync(
        database,
        connection_id=connection_id,
        vendor=StoreVendor(config.vendor),
        connector=connector,
        full=True,
        clock=clock,
        on_discovered=partial(bridge.assign_teams, database, connection_id),
    )


def sync_everything(database: Database, policy: Policy, now: datetime) -> dict[str, SyncReport]:
    """Sync every connection of ``policy`` once; every run must succeed."""
    ids = sync_connections_from_policy(database, policy)
    reports: dict[str, SyncReport] = {}
    for connection in policy.connections:
        report = sync_connection(database, policy, connection.name, ids[connection.name], lambda: now)
        assert report.status == SyncStatus.SUCCEEDED, (connection.name, report.errors)
        reports[connection.name] = report
    return reports
