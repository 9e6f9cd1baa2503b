"""A8 log redaction through a real uvicorn server on loopback, and A10 production settings."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

import api.routes.items
from api.log_redaction import redact_text
from tests.api.conftest import AppFactory, bearer
from tests.api.seed import FERNET_KEY, Seeded
from tests.waiting import wait_for

pytestmark = pytest.mark.reliability

CANARY = "canary-logsecret-Zr8Qp4Lm2V"
LINE_PREFIX = "LOG|"


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every record at DEBUG, one formatted record per line, as a production log handler would see it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LINE_PREFIX + "%(levelname)s|%(name)s|%(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # The test's own HTTP client (httpx) is not the server: its request log would show the URLs the test sends.
    client_loggers = [logging.getLogger(name) for name in ("httpx", "httpcore")]
    client_levels = [logger.level for logger in client_loggers]
    for logger in client_loggers:
        logger.setLevel(logging.WARNING)
    # A uvicorn started earlier in this process (the emulators, the dashboard's test server) may have stopped
    # "uvicorn" and "uvicorn.access" from propagating, for good: let their records reach the root handler again,
    # as in a fresh `baton serve`.
    uvicorn_loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.access")]
    propagates = [logger.propagate for logger in uvicorn_loggers]
    for logger in uvicorn_loggers:
        logger.propagate = True
    yield stream
    for logger, propagate in zip(uvicorn_loggers, propagates, strict=True):
        logger.propagate = propagate
    for logger, level in zip(client_loggers, client_levels, strict=True):
        logger.setLevel(level)
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture
def served(seeded: Seeded, make_app: AppFactory, captured_logs: io.StringIO) -> Iterator[str]:
    """The app behind a real uvicorn (its own access log included) on 127.0.0.1."""
    config = uvicorn.Config(make_app(), host="127.0.0.1", port=0, log_config=None, log_level="debug", access_log=True)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: True if server.started else None, timeout=30, interval=0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_a8_no_canary_in_logs_and_one_line_per_record(served: str, seeded: Seeded, captured_logs: io.StringIO) -> None:
    with httpx.Client(base_url=served, timeout=30) as client:
        client.get("/api/v1/items", headers={"Authorization": f"Bearer baton_{CANARY}"})
        client.get("/api/v1/items", headers={"Authorization": f"Bearer {CANARY}", "Cookie": f"session={CANARY}"})
        client.get(f"/api/v1/items?token={CANARY}&q={CANARY}", headers=bearer(seeded.viewer_key))
        client.get(f"/api/v1/items?api_key={CANARY}", headers={"X-Api-Key": CANARY})
        client.post(
            f"/api/v1/findings/{seeded.findings['R02:PAY-11']}/snooze",
            json={"until": "2026-11-30T00:00:00Z", "reason": f"secret={CANARY}", "token": CANARY},
            headers=bearer(seeded.admin_key),
        )
        client.post("/webhooks/jira/jira", content=f'{{"token": "{CANARY}"}}', headers={"X-Hub-Signature": CANARY})
        client.get("/api/v1/items?q=first%0d%0aINJECTED fake log line", headers=bearer(seeded.viewer_key))
        client.get("/api/v1/teams/pay%0aINJECTED/board", headers=bearer(seeded.viewer_key))
        client.post("/api/v1/connections/jira/sync", headers=bearer(seeded.admin_key))
    output = captured_logs.getvalue()
    assert "uvicorn.access" in output  # the access log was captured
    assert "sync requested for jira" in output  # and the app's own records
    assert CANARY not in output
    assert seeded.admin_key not in output
    assert seeded.viewer_key not in output
    lines = output.splitlines()
    assert all(line.startswith(LINE_PREFIX) for line in lines), [
        line for line in lines if not line.startswith(LINE_PREFIX)
    ]
    assert not any(line.startswith("INJECTED") for line in lines)


def test_a8_redaction_rules() -> None:
    assert redact_text(f"Authorization: Bearer {CANARY}") == "Authorization: Bearer [REDACTED]"
    assert CANARY not in redact_text(f"url https://x.example/cb?token={CANARY}&sub={CANARY}x")
    assert CANARY not in redact_text(f'{{"api_token": "{CANARY}"}}')
    assert redact_text("key baton_abcdefghijklmnop used") == "key [REDACTED] used"
    assert redact_text("a\r\nb\x1bc") == "a\\r\\nb\\x1bc"
    assert redact_text("PAY-12 moved to Done") == "PAY-12 moved to Done"


# -- A10: production -------------------------------------------------------------------------------


def test_a10_production_turns_the_docs_off(seeded: Seeded, make_app: AppFactory) -> None:
    production = make_app(environment="production", secret_keys=FERNET_KEY)
    assert production.debug is False
    with TestClient(production) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404
            assert client.get(path, headers=bearer(seeded.admin_key)).status_code == 404
        assert client.get("/api/v1/rules", headers=bearer(seeded.viewer_key)).status_code == 200
    with TestClient(make_app()) as client:
        assert client.get("/openapi.json").status_code == 200
        assert "swagger-ui" in client.get("/docs").text


def test_a10_a_failing_view_answers_a_problem_without_traceback_or_detail(
    seeded: Seeded, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"database password={CANARY} at line 3")

    monkeypatch.setattr(api.routes.items, "read_item_page", broken)
    with TestClient(make_app(environment="production"), raise_server_exceptions=False) as client:
        response = client.get("/api/v1/items", headers=bearer(seeded.viewer_key))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in response.text
    assert CANARY not in response.text
    assert "RuntimeError" not in response.text
