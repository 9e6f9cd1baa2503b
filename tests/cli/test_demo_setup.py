"""What `baton demo` prepares before it starts anything: the policy, the ports, the reused admin key."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import migrations
from api.auth.keys import create_api_key, resolve_api_key, revoke_api_key
from cli.demo import TEMPLATE, DemoPaths, _api_key, _environment, pick_ports, render_demo_policy, team_blocks
from core.policy import load_policy_text
from emulators.cli import DEMO_CREDENTIALS
from emulators.org.generator import Organisation, OrgConfig
from emulators.org.model import Vendor
from models.db import Database
from models.enums import ApiKeyRole

URLS = {"jira": "http://127.0.0.1:8101", "trello": "http://127.0.0.1:8102", "asana": "http://127.0.0.1:8103"}


def test_the_demo_policy_is_valid_names_every_generated_team_and_holds_no_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    organisation = Organisation(OrgConfig(seed=1, items=5_000))
    text = render_demo_policy(TEMPLATE.read_text(), URLS, team_blocks(organisation))
    for name, value in _environment(DemoPaths(tmp_path), {"baton": 8000, **{k: 1 for k in URLS}}, "s3cret").items():
        if name.startswith("BATON_DEMO_"):
            monkeypatch.setenv(name, value)
    loaded = load_policy_text(text)
    assert loaded.warnings == ()
    policy = loaded.policy
    assert {c.name: str(c.base_url).rstrip("/") for c in policy.connections} == URLS
    generated = [team for vendor in Vendor for team in organisation.teams(vendor)]
    assert len(policy.teams) == len(generated)
    assert {"analytics", "customer-success", "payments"} <= set(policy.teams)
    assert [ref.key for ref in policy.teams["analytics"].containers] == ["ANA"]
    assert [ref.name for ref in policy.teams["customer-success"].containers] == ["Customer Success"]
    for secret in (DEMO_CREDENTIALS["jira"]["api_token"], DEMO_CREDENTIALS["trello"]["app_secret"], "s3cret"):
        assert secret not in text


def test_ports_are_the_defaults_or_free_ones() -> None:
    assert pick_ports(8000) == {"baton": 8000, "jira": 8101, "trello": 8102, "asana": 8103}
    chosen = pick_ports(0)
    assert set(chosen) == {"baton", "jira", "trello", "asana"}
    assert len(set(chosen.values())) == 4
    assert all(port > 0 for port in chosen.values())


def test_the_saved_admin_key_is_reused_until_the_store_forgets_it(tmp_path: Path) -> None:
    paths = DemoPaths(tmp_path / ".baton")
    paths.root.mkdir()
    database = Database.from_url(f"sqlite:///{paths.database}")
    migrations.upgrade_to_head(database.engine)
    saved = create_api_key(database, name="demo", role=ApiKeyRole.ADMIN)
    paths.api_key.write_text(saved.secret + "\n")
    env = {**os.environ, "BATON_DATABASE_URL": f"sqlite:///{paths.database}"}
    env.pop("BATON_POLICY", None)
    assert _api_key(paths, env, time.monotonic()) == saved.secret

    assert revoke_api_key(database, saved.id)
    fresh = _api_key(paths, env, time.monotonic())
    assert fresh != saved.secret
    assert paths.api_key.read_text().strip() == fresh
    assert oct(paths.api_key.stat().st_mode & 0o777) == "0o600"
    identity = resolve_api_key(database, fresh)
    assert identity is not None
    assert identity.role is ApiKeyRole.ADMIN
    database.dispose()
