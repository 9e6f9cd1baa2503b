"""Rate limits and faults as set, over real HTTP: per-minute quota per plan, concurrency caps with real
concurrent requests, Retry-After on every 429, Asana's error body on faults."""

from __future__ import annotations

import ssl
import threading
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from emulators.asana import build_app
from emulators.asana.ratelimits import MAX_CONCURRENT_READS, MAX_CONCURRENT_WRITES
from emulators.server import running_server
from tests.emulators.asana.conftest import TOKEN, asana_config

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def limited(request: pytest.FixtureRequest) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """(API client, control client) of an emulator with rate limits on and the parametrised options."""
    options = getattr(request, "param", {})
    config = asana_config(rate_limit=True, options=options)
    with (
        running_server(build_app(config)) as url,
        httpx.Client(base_url=f"{url}/api/1.0", headers=AUTH) as api,
        httpx.Client(base_url=url) as control,
    ):
        control.post("/_emulator/clock", json={"freeze": True})
        yield api, control


def assert_asana_429(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["errors"][0]["message"] == "You have made too many requests recently. Please, be chill."


@pytest.mark.parametrize(
    ("limited", "quota"), [({"plan": "free"}, 150), ({"plan": "paid"}, 1500)], indirect=["limited"]
)
def test_the_per_minute_quota_follows_the_plan_and_the_clock(
    limited: tuple[httpx.Client, httpx.Client], quota: int
) -> None:
    api, control = limited
    statuses = Counter(api.get("/workspaces").status_code for _ in range(quota))
    assert statuses == Counter({200: quota})
    refused = api.get("/workspaces")
    assert_asana_429(refused)
    assert int(refused.headers["Retry-After"]) == 60  # frozen clock: the whole window is still ahead
    other_token = api.get("/workspaces", headers={"Authorization": "Bearer someone-else"})
    assert other_token.status_code == 401  # counted separately per token, then refused for auth
    control.post("/_emulator/clock", json={"advance_seconds": 61})
    assert api.get("/workspaces").status_code == 200
    assert control.get("/_emulator/rate-limit").json()["rejected"] == 1


def test_rate_limit_off_disables_the_quota() -> None:
    with (
        running_server(build_app(asana_config(options={"plan": "free"}))) as url,
        httpx.Client(base_url=f"{url}/api/1.0", headers=AUTH) as api,
    ):
        assert {api.get("/workspaces").status_code for _ in range(200)} == {200}


def concurrent(url: str, count: int, method: str, path: str, json: object = None) -> Counter[int]:
    """`count` requests sent at once from as many threads (each its own connection); their statuses."""
    barrier = threading.Barrier(count)
    tls = ssl.create_default_context()  # one context for all clients: building 60 takes seconds
    statuses: list[int] = []
    retry_after: list[str | None] = []
    lock = threading.Lock()

    def send() -> None:
        with httpx.Client(base_url=f"{url}/api/1.0", headers=AUTH, timeout=30, verify=tls) as client:
            barrier.wait()
            response = client.request(method, path, json=json)
        with lock:
            statuses.append(response.status_code)
            if response.status_code == 429:
                retry_after.append(response.headers.get("Retry-After"))

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(value == "1" for value in retry_after)
    return Counter(statuses)


def test_at_most_50_reads_and_15_writes_run_at_once() -> None:
    # Each request spends 1.5 s of emulated server time holding its slot, so the burst overlaps for sure.
    config = asana_config(rate_limit=True, options={"processing_ms": "1500"})
    with running_server(build_app(config)) as url:
        reads = concurrent(url, MAX_CONCURRENT_READS + 10, "GET", "/workspaces")
        assert reads == Counter({200: MAX_CONCURRENT_READS, 429: 10})
        task = httpx.get(f"{url}/api/1.0/projects/1203000000000000/tasks?limit=1", headers=AUTH).json()["data"][0]
        writes = concurrent(url, MAX_CONCURRENT_WRITES + 5, "PUT", f"/tasks/{task['gid']}", {"data": {"name": "x"}})
        assert writes == Counter({200: MAX_CONCURRENT_WRITES, 429: 5})
        after = httpx.get(f"{url}/api/1.0/workspaces", headers=AUTH)
        assert after.status_code == 200  # every slot was given back


@pytest.mark.parametrize(("spec", "status"), [("429=1", 429), ("503=1", 503), ("500=1", 500)])
def test_faults_answer_with_asana_bodies_and_retry_after(spec: str, status: int) -> None:
    with running_server(build_app(asana_config(faults=spec))) as url:
        response = httpx.get(f"{url}/api/1.0/workspaces", headers=AUTH)
    assert response.status_code == status
    error = response.json()["errors"][0]
    assert error["help"]
    if status in (429, 503):
        assert response.headers["Retry-After"] == "1"
    if status == 500:
        assert error["phrase"]


def test_the_sdk_retries_a_429_after_retry_after() -> None:
    import asana

    with running_server(build_app(asana_config(faults="429=0.5", fault_seed=3))) as url:
        cfg = asana.Configuration()
        cfg.host = f"{url}/api/1.0"
        cfg.access_token = TOKEN
        cfg.retry_strategy.backoff_factor = 0
        workspaces = [list(asana.WorkspacesApi(asana.ApiClient(cfg)).get_workspaces({})) for _ in range(3)]
        injected = httpx.get(f"{url}/_emulator/faults").json()["injected"]
    assert all(len(w) == 1 for w in workspaces)
    assert injected.get("429", 0) > 0
