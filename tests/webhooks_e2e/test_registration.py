"""`baton webhooks register|list|unregister` against the real emulators, with Baton answering the handshakes."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.webhooks.targets import callback_url
from core.crypto import SecretBox
from core.policy import load_policy
from models.enums import Vendor
from models.tables import WEBHOOK_SUBSCRIPTIONS
from sync.webhook_registration import RegistrationError, registration_target
from tests.webhooks_e2e.conftest import Baton
from tests.webhooks_e2e.stack import FERNET_KEY, JIRA_SECRET, VENDORS, Stack


def vendor_hooks(stack: Stack, vendor: str) -> list[dict[str, object]]:
    """The emulator's own view of its webhooks (control API, not the client under test)."""
    found = httpx.get(f"{stack.emulator_urls[vendor]}/_emulator/webhooks/subscriptions", timeout=30).json()
    return list(found["subscriptions"])


def stored(stack: Stack) -> list[dict[str, object]]:
    with stack.database.read_session() as session:
        return [dict(row._mapping) for row in session.execute(select(WEBHOOK_SUBSCRIPTIONS))]


def resources_of(stack: Stack, vendor: str) -> int:
    runtime = stack.runtimes[vendor]
    return 1 if vendor == "jira" else len(list(runtime.org.teams(runtime.vendor)))


def test_register_is_idempotent_list_marks_orphans_and_unregister_removes_both(stack: Stack, baton: Baton) -> None:
    first = baton("webhooks", "register")
    assert first.exit_code == 0, first.output
    expected = {vendor: resources_of(stack, vendor) for vendor in VENDORS}
    for vendor in VENDORS:
        hooks = vendor_hooks(stack, vendor)
        assert len(hooks) == expected[vendor], vendor
        assert all(str(h["target"]).startswith(f"{stack.baton_url}/webhooks/{vendor}/{vendor}-e2e") for h in hooks)
    rows = stored(stack)
    assert len(rows) == sum(expected.values())
    assert all(row["active"] and row["external_id"] for row in rows)

    # Secrets at rest: Jira's is the policy secret, Asana's came in the handshake; both encrypted, never plain.
    box = SecretBox.from_csv(FERNET_KEY)
    asana_id, jira_id = stack.connection_id("asana"), stack.connection_id("jira")
    jira_rows = [row for row in rows if row["connection_id"] == jira_id]
    assert [box.decrypt(str(row["secret_encrypted"])) for row in jira_rows] == [JIRA_SECRET]
    assert all(JIRA_SECRET not in str(row["secret_encrypted"]) for row in jira_rows)
    asana_rows = [row for row in rows if row["connection_id"] == asana_id]
    assert asana_rows
    assert all(row["secret_encrypted"] for row in asana_rows)
    assert all(f"?sub={row['token']}" in str(row["callback_url"]) for row in asana_rows)

    again = baton("webhooks", "register")
    assert again.exit_code == 0, again.output
    assert "unchanged" in again.output
    assert "created" not in again.output
    assert {vendor: len(vendor_hooks(stack, vendor)) for vendor in VENDORS} == expected
    assert sorted(str(r["external_id"]) for r in stored(stack)) == sorted(str(r["external_id"]) for r in rows)

    listed = baton("webhooks", "list")
    assert listed.exit_code == 0, listed.output
    assert "orphan" not in listed.output

    # One webhook deleted behind Baton's back (a stored orphan), one stored row lost (a vendor-side orphan).
    trello_hook = vendor_hooks(stack, "trello")[0]
    stack.runtimes["trello"].subscriptions.remove(str(trello_hook["id"]))
    asana_row = asana_rows[0]
    with stack.database.session() as session:
        session.execute(WEBHOOK_SUBSCRIPTIONS.delete().where(WEBHOOK_SUBSCRIPTIONS.c.id == asana_row["id"]))
        session.commit()
    listed = baton("webhooks", "list", "--connection", "trello-e2e", "--connection", "asana-e2e")
    assert listed.exit_code == 0, listed.output
    assert "orphan: missing at vendor" in listed.output
    assert "orphan: not stored" in listed.output

    repaired = baton("webhooks", "register")
    assert repaired.exit_code == 0, repaired.output
    assert {vendor: len(vendor_hooks(stack, vendor)) for vendor in VENDORS} == expected
    assert len(stored(stack)) == sum(expected.values())
    assert "orphan" not in baton("webhooks", "list").output

    gone = baton("webhooks", "unregister", "--connection", "jira-e2e")
    assert gone.exit_code == 0, gone.output
    assert vendor_hooks(stack, "jira") == []
    assert all(row["connection_id"] != jira_id for row in stored(stack))
    assert len(vendor_hooks(stack, "trello")) == expected["trello"]

    assert baton("webhooks", "unregister").exit_code == 0
    assert all(vendor_hooks(stack, vendor) == [] for vendor in VENDORS)
    assert stored(stack) == []


def test_register_refuses_clearly_without_a_public_url(
    stack: Stack, baton: Baton, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BATON_PUBLIC_URL")
    result = baton("webhooks", "register")
    assert result.exit_code == 2
    assert "BATON_PUBLIC_URL" in result.output
    unknown = baton("webhooks", "register", "--connection", "nope")
    assert unknown.exit_code == 2
    assert "nope" in unknown.output
    assert stored(stack) == []
    assert all(vendor_hooks(stack, vendor) == [] for vendor in VENDORS)


def test_a_vendor_that_cannot_reach_baton_fails_that_resource_and_leaves_nothing_pending(
    stack: Stack, baton: Baton, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
    monkeypatch.setenv("BATON_PUBLIC_URL", nowhere)  # nothing listens: no HEAD check, no handshake
    result = baton("webhooks", "register")
    assert result.exit_code == 1
    assert "failed" in result.output
    assert vendor_hooks(stack, "trello") == []
    assert vendor_hooks(stack, "asana") == []
    # Jira does not call back at creation: its webhook exists, and is the only stored subscription.
    assert [str(row["external_id"]) for row in stored(stack)] == [str(h["id"]) for h in vendor_hooks(stack, "jira")]

    monkeypatch.setenv("BATON_PUBLIC_URL", stack.baton_url)
    listed = baton("webhooks", "list", "--connection", "jira-e2e")
    assert "stale callback: run register" in listed.output
    assert nowhere in listed.output
    repaired = baton("webhooks", "register")
    assert repaired.exit_code == 0, repaired.output
    assert "replaced" in repaired.output  # Jira's webhook pointed at the wrong URL
    assert all(str(h["target"]).startswith(stack.baton_url) for v in VENDORS for h in vendor_hooks(stack, v))


def test_connections_without_a_signing_secret_are_refused(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        "connections:\n"
        "  - {name: j, vendor: jira, base_url: 'http://127.0.0.1:1', credentials: {email: a@b.c, api_token: t}}\n"
        "  - {name: t, vendor: trello, base_url: 'http://127.0.0.1:1', credentials: {api_key: k, token: t}}\n"
        "  - {name: a, vendor: asana, base_url: 'http://127.0.0.1:1', credentials: {token: t}}\n"
    )
    policy = load_policy(policy_file).policy
    with pytest.raises(RegistrationError, match="webhook_secret"):
        registration_target(policy, "j", 1, public_url="https://baton.example.com", environ={})
    with pytest.raises(RegistrationError, match="app_secret"):
        registration_target(policy, "t", 2, public_url="https://baton.example.com", environ={})
    # Listing and unregistering need no signing secret.
    listing = registration_target(
        policy, "j", 1, public_url="https://baton.example.com", environ={}, require_secret=False
    )
    assert (listing.callback_url, listing.secret) == ("https://baton.example.com/webhooks/jira/j", None)
    asana = registration_target(policy, "a", 3, public_url="https://baton.example.com/", environ={})
    assert asana.callback_url == "https://baton.example.com/webhooks/asana/a"
    assert asana.callback_url == callback_url(asana.callback_url.split("/webhooks")[0], Vendor.ASANA, "a")


def test_a_rotated_jira_secret_replaces_the_webhook(stack: Stack, baton: Baton) -> None:
    assert baton("webhooks", "register", "--connection", "jira-e2e").exit_code == 0
    [before] = vendor_hooks(stack, "jira")
    stack.policy_path.write_text(stack.policy_path.read_text().replace(JIRA_SECRET, "rotated-secret"))

    rotated = baton("webhooks", "register", "--connection", "jira-e2e")

    assert rotated.exit_code == 0, rotated.output
    assert "replaced" in rotated.output
    [after] = vendor_hooks(stack, "jira")
    assert after["id"] != before["id"]
    assert stack.runtimes["jira"].subscriptions.get(str(after["id"])).secret == "rotated-secret"  # type: ignore[union-attr]
    [row] = stored(stack)
    assert SecretBox.from_csv(FERNET_KEY).decrypt(str(row["secret_encrypted"])) == "rotated-secret"
