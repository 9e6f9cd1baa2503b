"""The A8 plugin (tests/reliability/log_canaries.py) catches what it must: a canary logged in any shape Baton's
redaction does not cover fails the check; the shapes it covers pass."""

from __future__ import annotations

import logging

import pytest

from tests.reliability.log_canaries import CanaryHandler, leaks

pytestmark = pytest.mark.reliability


def lines_of(*messages: tuple[str, str]) -> list[str]:
    handler = CanaryHandler()
    for name, message in messages:
        record = logging.LogRecord(name, logging.DEBUG, __file__, 1, message, None, None)
        handler.handle(record)
    return handler.lines


def test_redacted_shapes_pass() -> None:
    lines = lines_of(
        ("httpx", "HTTP Request: GET http://127.0.0.1:1/1/boards?key=emulator-key&token=emulator-token 200"),
        ("connectors.jira", "Authorization: Bearer emulator-token"),
        ("sync.inbox", "X-Hub-Signature: sha256=deadbeef, secret=jira-secret"),
        ("httpx", 'HTTP Request: POST http://127.0.0.1:1/1/tokens/emulator-token/webhooks/ "HTTP/1.1 200 OK"'),
    )
    assert len(lines) == 4
    assert leaks(lines) == []


def test_a_bare_secret_fails() -> None:
    lines = lines_of(("connectors.trello", "could not reach Trello with emulator-token"), ("api", "canary-Zr8Qp4"))
    assert len(leaks(lines)) == 2


def test_the_vendors_own_logs_are_not_baton_s() -> None:
    assert lines_of(("emulators.jira", "issued emulator-token")) == []


def test_the_trello_sdk_s_signing_logs_stay_off_at_debug() -> None:
    """oauthlib prints the key, the token and the signing base string at DEBUG; Baton keeps it at INFO."""
    import connectors.trello.client  # noqa: F401 - importing the SDK's module sets the levels

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        assert not logging.getLogger("oauthlib.oauth1.rfc5849").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("requests_oauthlib.oauth1_auth").isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(level)
