"""schemathesis over the whole API (webhooks excluded: they have their own tests), in process, on a seeded store.

Every operation gets 100 generated valid requests and 100 invalid ones (an operation without inputs, whose one
request hypothesis sends once, is sent until it has had 100), with the checks not_a_server_error,
response_schema_conformance, status_code_conformance and ignored_auth. Every response body and header is scanned
for the seeded canary secrets (A3) and 5xx bodies for tracebacks (A10).

The run drives schemathesis through ``APIOperation.as_strategy`` with hypothesis ``@given`` (schemathesis's pytest
plugin does not run on pytest 9).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import ignored_auth, response_schema_conformance, status_code_conformance

from tests.api.conftest import AppFactory
from tests.api.seed import Seeded

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, ignored_auth]
EXAMPLES = 100
# The operations are split into this many tests (operation i goes to shard i % SHARDS), so test workers run them
# side by side: one test over every operation took 168 s, the longest of the suite by far.
SHARDS = 4


def scan_for_leaks(response: Any, canaries: list[str]) -> None:
    """A3 and A10: no canary in any body or header; no traceback in a 5xx body."""
    text = response.text
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    for canary in canaries:
        assert canary not in text, f"canary leaked in the body of {response.request.url}"
        assert canary not in headers, f"canary leaked in a header of {response.request.url}"
    if response.status_code >= 500:
        assert "Traceback" not in text


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_conforms_and_leaks_nothing(seeded: Seeded, make_app: AppFactory, shard: int) -> None:
    app = make_app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path_regex="^/webhooks/")
    auth = {"Authorization": f"Bearer {seeded.admin_key}"}
    calls: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    every_operation = [result.ok() for result in schema.get_all_operations()]
    assert len(every_operation) >= 20
    operations = every_operation[shard::SHARDS]
    try:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                def run(case: Any) -> None:
                    response = case.call(headers=auth)
                    calls[case.operation.label] += 1
                    statuses[response.status_code] += 1
                    scan_for_leaks(response, seeded.canaries)
                    case.validate_response(response, checks=CHECKS, headers=auth)

                try:
                    run()
                except Unsatisfiable:
                    # Nothing about the request can be made invalid (e.g. /healthz takes no input).
                    assert mode is GenerationMode.NEGATIVE, operation.label
            # An operation without inputs has one distinct request, which hypothesis sends once: send it until the
            # operation has had its 100 examples too (the same checks each time).
            while calls[operation.label] < EXAMPLES:
                case = operation.Case()
                response = case.call(headers=auth)
                calls[operation.label] += 1
                statuses[response.status_code] += 1
                scan_for_leaks(response, seeded.canaries)
                case.validate_response(response, checks=CHECKS, headers=auth)
    finally:
        asgi.shutdown_lifespans()
    print("\nschemathesis calls per operation:", dict(calls), "\nstatuses:", dict(statuses))
    assert set(calls) == {operation.label for operation in operations}
    assert min(calls.values()) >= EXAMPLES
    assert 500 not in statuses
