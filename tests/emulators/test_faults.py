"""Faults as a real HTTP client sees them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from emulators.faults import FaultDecider, FaultKind, FaultSpecError, parse_fault_spec
from emulators.server import running_server
from tests.emulators.conftest import example_config
from tests.emulators.example_vendor import build_app


def set_faults(client: httpx.Client, spec: str, **extra: object) -> None:
    response = client.put("/_emulator/faults", json={"spec": spec, **extra})
    assert response.status_code == 200, response.text


def test_parse_fault_spec() -> None:
    spec = parse_fault_spec("429=0.05, 500=0.02,503=0.01,timeout=0.01,reset=0.01,truncate=0.01,invalid=0.01,502=0")
    assert spec.rates[FaultKind.HTTP_429] == 0.05
    assert spec.rates[FaultKind.INVALID] == 0.01
    assert parse_fault_spec(spec.format()).rates == {k: v for k, v in spec.rates.items() if v > 0}
    assert parse_fault_spec("").total == 0
    with pytest.raises(FaultSpecError, match="unknown fault kind"):
        parse_fault_spec("418=0.1")
    with pytest.raises(FaultSpecError, match="more than 1"):
        parse_fault_spec("500=0.7,503=0.6")


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with running_server(build_app(example_config())) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_status_faults_carry_the_vendor_body_and_retry_after(client: httpx.Client, status: int) -> None:
    set_faults(client, f"{status}=1", retry_after_seconds=2)
    response = client.get("/rest/api/items")
    assert response.status_code == status
    assert response.json()["errorMessages"]
    if status in (429, 503):
        assert response.headers["Retry-After"] == "2"
    assert client.get("/_emulator/health").status_code == 200


def test_reset_is_a_connection_error(client: httpx.Client) -> None:
    set_faults(client, "reset=1")
    with pytest.raises(httpx.TransportError):
        client.get("/rest/api/items")
    set_faults(client, "")
    assert client.get("/rest/api/items").status_code == 200


def test_truncate_is_a_200_with_broken_json_and_a_matching_length(client: httpx.Client) -> None:
    whole = client.get("/rest/api/items").content
    set_faults(client, "truncate=1")
    response = client.get("/rest/api/items")
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content) == len(whole) // 2
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_invalid_is_a_200_with_non_json(client: httpx.Client) -> None:
    set_faults(client, "invalid=1")
    response = client.get("/rest/api/items")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_timeout_holds_longer_than_the_client_waits(client: httpx.Client) -> None:
    set_faults(client, "timeout=1", timeout_seconds=5)
    with pytest.raises(httpx.ReadTimeout):
        client.get("/rest/api/items", timeout=0.3)
    set_faults(client, "")
    assert client.get("/rest/api/items").status_code == 200


def test_seeded_rates_are_roughly_as_set(client: httpx.Client) -> None:
    set_faults(client, "500=0.2,503=0.1", seed=7)
    statuses = [client.get("/rest/api/items", params={"maxResults": 1}).status_code for _ in range(600)]
    assert 0.14 < statuses.count(500) / 600 < 0.26
    assert 0.06 < statuses.count(503) / 600 < 0.14
    assert client.get("/_emulator/faults").json()["injected"]["500"] == statuses.count(500)


def test_the_same_seed_injects_the_same_sequence() -> None:
    first, second = (
        FaultDecider(parse_fault_spec("500=0.3"), seed=5),
        FaultDecider(parse_fault_spec("500=0.3"), seed=5),
    )
    assert [first.decide() for _ in range(200)] == [second.decide() for _ in range(200)]


def test_latency_is_added_per_request() -> None:
    with running_server(build_app(example_config(latency_ms=150))) as url:
        response = httpx.get(f"{url}/rest/api/items", params={"maxResults": 1})
        assert response.elapsed.total_seconds() >= 0.15
        assert httpx.get(f"{url}/_emulator/health").elapsed.total_seconds() < 0.15
