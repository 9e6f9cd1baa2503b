"""A policy file broken while `baton serve` runs (a real process): the previous policy stays in force (its
webhook receivers keep accepting), the error is logged with its line, and a later valid edit takes effect."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from connectors.signatures import hmac_hex
from tests.reliability.processes import baton_env, running_baton
from tests.waiting import wait_for

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

SECRET = "policy-reload-secret"
CONNECTION = """
  - name: {name}
    vendor: jira
    base_url: "http://127.0.0.1:9"
    credentials: {{email: {{env: JIRA_EMAIL}}, api_token: {{env: JIRA_API_TOKEN}}}}
    webhook_secret: {{env: JIRA_WEBHOOK_SECRET}}"""


def policy_text(*names: str) -> str:
    return "version: 1\nschedules:\n  sync: {default: '0 0 1 1 *'}\nconnections:" + "".join(
        CONNECTION.format(name=name) for name in names
    )


def replace_file(path: Path, content: str) -> None:
    """Replace ``path`` atomically, as editors, `kubectl` ConfigMap updates and deploy tools do (a torn in-place
    write could be read half-done: see docs/deploy.md)."""
    staged = path.with_suffix(".tmp")
    staged.write_text(content)
    os.replace(staged, path)


def deliver(base_url: str, connection: str, delivery: str) -> int:
    body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "10001", "key": "PAY-1"}}).encode()
    headers = {
        "X-Hub-Signature": "sha256=" + hmac_hex(SECRET.encode(), body),
        "X-Atlassian-Webhook-Identifier": delivery,
        "Content-Type": "application/json",
    }
    return httpx.post(f"{base_url}/webhooks/jira/{connection}", content=body, headers=headers, timeout=30).status_code


def test_a_broken_edit_keeps_the_old_policy_and_is_reported(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text("jira"))
    env = baton_env(
        f"sqlite:///{tmp_path / 'baton.db'}",
        policy,
        BATON_POLICY_REFRESH_SECONDS="0.2",
        BATON_INBOX_WORKER="false",
        JIRA_EMAIL="baton@example.com",
        JIRA_API_TOKEN="t",
        JIRA_WEBHOOK_SECRET=SECRET,
    )
    with running_baton(["serve", "--no-scheduler"], env, tmp_path, "serve") as serve:
        assert deliver(serve.url, "jira", "d1") == 200
        # Broken: a second connection added with a YAML error on line 12.
        replace_file(
            policy,
            policy_text("jira", "jira2").replace("vendor: jira\n    base_url", "vendor: [jira\n    base_url", 2),
        )
        logged = wait_for(
            lambda: serve.output() if "previous policy stays in force" in serve.output() else None, timeout=60
        )
        assert str(policy) in logged
        assert "line" in logged.split("previous policy stays in force", 1)[1][:2000]
        # The old policy is in force: its receiver still accepts, the broken edit's connection does not exist.
        assert deliver(serve.url, "jira", "d2") == 200
        assert deliver(serve.url, "jira2", "d3") == 404
        assert serve.process.poll() is None
        # A valid edit is picked up.
        replace_file(policy, policy_text("jira", "jira2"))
        wait_for(lambda: deliver(serve.url, "jira2", "d4") == 200 or None, timeout=60, interval=0.3)
        assert deliver(serve.url, "jira", "d5") == 200
