"""W6: schemathesis on the webhook routes, every header they read declared in the OpenAPI schema.

Each webhook operation gets 500 generated requests (valid and invalid by the schema, mixed), sent to a real
connection of its vendor (the generated ``connection`` is replaced, so the signature code runs, not the 404).
Pass: no 5xx; every POST with a generated (so malformed or wrong) signature header is refused with 401 (or
the 400/422 of a malformed request) and writes nothing; Asana's unexpected handshakes are 403.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from sqlalchemy import func, select

from api.app import create_app
from api.webhooks.registry import ReceiverRegistry, ReceiverTarget
from connectors.asana.webhooks import parse_asana_webhook
from connectors.jira.webhooks import parse_jira_webhook
from connectors.signatures import hmac_base64, trello_signed_bytes
from connectors.trello.webhooks import parse_trello_webhook
from core.settings import Settings
from models.db import Database
from models.enums import Vendor
from models.tables import WEBHOOK_EVENTS
from sync.store import ensure_connection
from tests.api.seed import FERNET_KEY

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

EXAMPLES = 500
TRELLO_CALLBACK = "https://baton.example.com/webhooks/trello/trello"
SIGNATURE_HEADER = {"jira": "x-hub-signature", "trello": "x-trello-webhook", "asana": "x-hook-signature"}


@pytest.fixture
def app(database: Database) -> FastAPI:
    targets = []
    for vendor in (Vendor.JIRA, Vendor.TRELLO, Vendor.ASANA):
        connection_id = ensure_connection(database, name=str(vendor), vendor=str(vendor), base_url="https://x.test")
        secret = None if vendor is Vendor.ASANA else "fuzz-secret"
        subscriptions = {"sub-1": "fuzz-secret"} if vendor is Vendor.ASANA else {}
        callback = TRELLO_CALLBACK if vendor is Vendor.TRELLO else None
        targets.append(
            ReceiverTarget(
                connection_id,
                str(vendor),
                vendor,
                secret=secret,
                callback_url=callback,
                subscription_secrets=subscriptions,
            )
        )
    settings = Settings(
        database_url=str(database.engine.url), secret_keys=FERNET_KEY, inbox_worker=False, rate_limit_per_second=0
    )
    return create_app(settings, database=database, receivers=ReceiverRegistry(targets))


@pytest.fixture
def openapi(app: FastAPI) -> Iterator[dict[str, Any]]:
    with TestClient(app) as client:
        yield client.get("/openapi.json").json()


def declared_headers(openapi: dict[str, Any], path: str, method: str) -> set[str]:
    parameters = openapi["paths"][path][method].get("parameters", [])
    return {p["name"].lower() for p in parameters if p["in"] == "header"}


class RecordingHeaders(dict[str, str]):
    """A header mapping that remembers every name looked up."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.read.add(key.lower())
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key.lower())
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key).lower())
        return super().__contains__(key)


def test_w6_every_header_a_receiver_reads_is_declared(openapi: dict[str, Any]) -> None:
    jira_body = b'{"webhookEvent":"jira:issue_updated","issue":{"id":"1"}}'
    parsers = {
        "/webhooks/jira/{connection}": (parse_jira_webhook, jira_body),
        "/webhooks/trello/{connection}": (parse_trello_webhook, b'{"action":{"id":"a","type":"updateCard"}}'),
        "/webhooks/asana/{connection}": (parse_asana_webhook, b'{"events":[]}'),
    }
    for path, (parse, body) in parsers.items():
        declared = declared_headers(openapi, path, "post")
        vendor = path.split("/")[2]
        assert SIGNATURE_HEADER[vendor] in declared
        headers = RecordingHeaders({name: "x" for name in declared})
        parse(headers, body)
        assert headers.read <= declared, f"{path} reads undeclared headers {headers.read - declared}"
    assert "x-atlassian-webhook-identifier" in declared_headers(openapi, "/webhooks/jira/{connection}", "post")
    assert "x-hook-secret" in declared_headers(openapi, "/webhooks/asana/{connection}", "post")


def test_w6_fuzzed_webhook_requests_never_5xx_and_bad_signatures_are_refused(app: FastAPI, database: Database) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/webhooks/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "POST /webhooks/jira/{connection}",
        "HEAD /webhooks/trello/{connection}",
        "POST /webhooks/trello/{connection}",
        "POST /webhooks/asana/{connection}",
    }
    statuses: Counter[tuple[str, int]] = Counter()
    calls: Counter[str] = Counter()
    try:
        for operation in operations:
            strategy = st.one_of(
                operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
            )

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                vendor = case.operation.path.split("/")[2]
                if isinstance(case.path_parameters, dict):
                    case.path_parameters["connection"] = vendor
                response = case.call()
                calls[case.operation.label] += 1
                statuses[(case.operation.label, response.status_code)] += 1
                case.validate_response(response, checks=[not_a_server_error])
                assert response.status_code < 500
                if case.method.upper() != "POST":
                    return
                headers = {k.lower(): v for k, v in (case.headers or {}).items()}
                assert response.status_code in {400, 401, 403, 413, 422}, (response.status_code, headers)
                if vendor == "asana" and "x-hook-secret" in headers:
                    return  # a handshake nobody asked for: 403 (or 400/422 when malformed)
                if response.status_code not in {400, 413, 422}:
                    assert response.status_code == 401

            run()
    finally:
        asgi.shutdown_lifespans()
    print("\nW6 calls:", dict(calls), "\nstatuses:", dict(sorted(statuses.items())))
    assert all(count >= EXAMPLES * 0.9 for count in calls.values()), calls
    with database.read_session() as session:
        assert session.execute(select(func.count()).select_from(WEBHOOK_EVENTS)).scalar_one() == 0


def test_w6_found_nul_characters_are_refused_as_bad_input_not_503(app: FastAPI, database: Database) -> None:
    """Found by the fuzzer on PostgreSQL (which stores no NUL in text): a handshake token or a signed body
    identifier holding NUL was a 503 (the vendor would retry it forever); it is a 4xx and writes nothing."""
    body = json.dumps({"action": {"id": "a\u0000b", "type": "updateCard", "data": {"card": {"id": "c1"}}}}).encode()
    signature = hmac_base64(b"fuzz-secret", trello_signed_bytes(body.decode() + TRELLO_CALLBACK), "sha1")
    with TestClient(app) as client:
        handshake = client.post("/webhooks/asana/asana", params={"sub": "\u0000x"}, headers={"X-Hook-Secret": "s"})
        delivery = client.post("/webhooks/trello/trello", content=body, headers={"X-Trello-Webhook": signature})
    assert handshake.status_code == 422
    assert delivery.status_code == 400
    with database.read_session() as session:
        assert session.execute(select(func.count()).select_from(WEBHOOK_EVENTS)).scalar_one() == 0
