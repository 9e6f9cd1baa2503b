"""The running app follows its policy: connections, webhook receivers, and hot reload."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from connectors.signatures import hmac_hex
from core.settings import Settings
from models.db import Database
from models.tables import CONNECTIONS
from tests.waiting import wait_for

BODY = b'{"webhookEvent":"jira:issue_created","issue":{"id":"10042"}}'
KEY = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="


def policy_text(secret_var: str, *, enabled: bool = True) -> str:
    return f"""
version: 1
connections:
  - name: jira
    vendor: jira
    base_url: http://127.0.0.1:8101
    credentials: {{email: {{env: JIRA_EMAIL}}, api_token: {{env: JIRA_TOKEN}}}}
    webhook_secret: {{env: {secret_var}}}
  - name: boards
    vendor: trello
    base_url: http://127.0.0.1:8102
    enabled: {str(enabled).lower()}
    credentials: {{api_key: {{env: TRELLO_KEY}}, token: {{env: TRELLO_TOKEN}}, app_secret: {{env: TRELLO_SECRET}}}}
"""


def signed(secret: str) -> dict[str, str]:
    return {"X-Hub-Signature": "sha256=" + hmac_hex(secret.encode(), BODY), "X-Atlassian-Webhook-Identifier": "d1"}


def replace_file(path: Path, text: str) -> None:
    """Swap the file's content in one step, as editors save: ``write_text`` truncates first, and the 50 ms reloader
    could read the empty file in between (an empty policy is valid: it would drop every receiver)."""
    staged = path.with_suffix(".staged")
    staged.write_text(text)
    os.replace(staged, path)


def test_the_policy_creates_connections_and_arms_receivers(database: Database, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JIRA_HOOK_SECRET", "first-secret")
    monkeypatch.setenv("JIRA_HOOK_SECRET_2", "second-secret")
    monkeypatch.setenv("TRELLO_SECRET", "trello-secret")
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text("JIRA_HOOK_SECRET"))
    settings = Settings(
        database_url=str(database.engine.url),
        policy=policy,
        secret_keys=KEY,
        policy_refresh_seconds=0.05,
        scheduler=False,
    )
    with TestClient(create_app(settings, database=database)) as client:
        with database.read_session() as session:
            rows = session.execute(select(CONNECTIONS.c.name, CONNECTIONS.c.vendor, CONNECTIONS.c.enabled)).all()
        assert sorted(tuple(r) for r in rows) == [("boards", "trello", True), ("jira", "jira", True)]
        assert client.post("/webhooks/jira/jira", content=BODY, headers=signed("first-secret")).status_code == 200
        assert client.head("/webhooks/trello/boards").status_code == 200

        replace_file(policy, policy_text("JIRA_HOOK_SECRET_2", enabled=False))  # rotate the secret, disable Trello

        def rotated() -> bool | None:
            status = client.post("/webhooks/jira/jira", content=BODY, headers=signed("second-secret")).status_code
            return True if status == 200 else None

        wait_for(rotated, timeout=60)
        assert client.post("/webhooks/jira/jira", content=BODY, headers=signed("first-secret")).status_code == 401
        assert client.head("/webhooks/trello/boards").status_code == 404

        replace_file(policy, "connections: [this is: broken")  # a broken edit keeps the policy in force
        wait_for(lambda: client.app.state.baton.policy.last_error, timeout=60)  # type: ignore[attr-defined]
        assert client.post("/webhooks/jira/jira", content=BODY, headers=signed("second-secret")).status_code == 200
