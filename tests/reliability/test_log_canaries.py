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
    )
    assert len(lines) == 3
    assert leaks(lines) == []


def test_a_bare_secret_fails() -> None:
    lines = lines_of(("connectors.trello", "could not reach Trello with emulator-token"), ("api", "canary-Zr8Qp4"))
    assert len(leaks(lines)) == 2


def test_the_vendors_own_logs_are_not_baton_s() -> None:
    assert lines_of(("emulators.jira", "issued emulator-token")) == []
