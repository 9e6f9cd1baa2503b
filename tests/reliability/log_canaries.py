"""A8 across the whole suite: every test runs with the root logger at DEBUG, and fails if a known secret appears
in what Baton's logging would write (records passed through Baton's production ``RedactingFilter``).

A pytest plugin, loaded by name so any run can switch it on without touching the tests:

    BATON_TEST_DATABASE=sqlite .venv/bin/python -m pytest -p tests.reliability.log_canaries
    make test PYTEST_ARGS="-p tests.reliability.log_canaries"

The canaries are the secrets the suite hands Baton: the emulators' credentials and webhook secrets, the test
Fernet key, and ``canary-``-prefixed values tests plant on purpose. Records of the emulators (the vendors, not
Baton) are not Baton's logs and are not scanned.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from api.log_redaction import RedactingFilter

CANARIES = (
    "emulator-token",
    "emulator-key",
    "emulator-secret",
    "emulator-client-secret",
    "jira-secret",
    "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=",
)
PLANTED = re.compile(r"canary-[A-Za-z0-9_-]{4,}")
NOT_BATON = ("emulators", "tests")


class CanaryHandler(logging.Handler):
    """Formats every record as Baton's production handler would (redacted first) and keeps the lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._redact = RedactingFilter()
        self.setFormatter(logging.Formatter("%(levelname)s|%(name)s|%(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".", 1)[0] in NOT_BATON:
            return
        copy = logging.makeLogRecord(record.__dict__)  # redact a copy: other handlers see the record untouched
        self._redact.filter(copy)
        self.lines.append(self.format(copy))


def leaks(lines: list[str]) -> list[str]:
    """The lines holding a canary."""
    return [line for line in lines if any(canary in line for canary in CANARIES) or PLANTED.search(line)]


@pytest.fixture(autouse=True)
def no_secret_in_logs() -> Iterator[None]:
    """Fail the test when a canary reaches Baton's (redacted) logs at DEBUG."""
    root = logging.getLogger()
    handler = CanaryHandler()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    found = leaks(handler.lines)
    assert not found, f"{len(found)} log line(s) hold a secret, e.g. {found[0][:300]!r}"
