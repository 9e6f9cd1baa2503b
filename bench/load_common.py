"""What the load benchmarks (L1-L3, D3) share: a seeded store, a real `baton serve` process, an open-loop load
generator that measures latency from each request's *scheduled* time (so a stalled server cannot hide its
queueing: no coordinated omission), and latency summaries.

Scale: ``BENCH_SCALE`` (default 1.0) multiplies every script's default store size; ``--duration`` sets the
run time in seconds (the reliability table's durations are the defaults; pass a short one for a smoke run).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from connectors.signatures import hmac_hex

__all__ = [
    "BREAK",
    "SECRET_KEYS",
    "WEBHOOK_SECRET",
    "LoadResult",
    "Request",
    "bench_scale",
    "closed_loop",
    "jira_delivery",
    "load_note",
    "open_loop",
    "open_loop_async",
    "percentile",
    "rss_bytes",
    "running_server",
    "table_row",
]

BREAK = "  "  # a Markdown line break
SECRET_KEYS = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="
WEBHOOK_SECRET = "bench-webhook-secret"
BATON = str(Path(sys.executable).parent / "baton")

Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


def load_note() -> str:
    """The machine's load when the figures are recorded (these figures share the cores with whatever else runs)."""
    return f"1-minute load average when recorded: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def bench_scale() -> float:
    """``BENCH_SCALE`` from the environment (default 1.0)."""
    return float(os.environ.get("BENCH_SCALE", "1") or 1)


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0-1) of ``values`` by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class LoadResult:
    """Latencies (seconds) and statuses of one run."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    warm_up: int = 0  # requests sent before the measurement (not in the figures, but they reach the server)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def share(self, predicate: Callable[[int], bool]) -> int:
        return sum(n for status, n in self.statuses.items() if predicate(status))

    def summary(self) -> dict[str, float]:
        return {
            "requests": self.count,
            "rate": round(self.rate, 1),
            "p50_ms": round(percentile(self.latencies, 0.50) * 1000, 1),
            "p95_ms": round(percentile(self.latencies, 0.95) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 1),
            "non_2xx": self.share(lambda s: not 200 <= s < 300) + self.errors,
            "5xx": self.share(lambda s: s >= 500),
            "errors": self.errors,
        }


async def _send(
    client: httpx.AsyncClient,
    request: Request,
    result: LoadResult,
    scheduled: float,
    in_flight: asyncio.Semaphore | None = None,
) -> None:
    method, path, body, headers = request
    try:
        if in_flight is None:
            response = await client.request(method, path, content=body, headers=headers)
        else:
            # Our own queue in front of httpx's pool: its waiter handling is quadratic in the queue length.
            async with in_flight:
                response = await client.request(method, path, content=body, headers=headers)
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
    except httpx.HTTPError:
        result.errors += 1
    result.latencies.append(time.perf_counter() - scheduled)


async def open_loop_async(
    base_url: str, next_request: Callable[[int], Request], rate: float, duration: float, connections: int
) -> LoadResult:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        # Warm-up, not measured: open the connections and let the server answer its first requests.
        warm_up = LoadResult(seconds=0)
        await asyncio.gather(*(_send(client, next_request(-1 - n), warm_up, 0.0) for n in range(connections)))
        result = LoadResult(seconds=duration, warm_up=connections)
        in_flight = asyncio.Semaphore(connections)
        started = time.perf_counter()
        tasks: list[asyncio.Task[None]] = []
        total = int(rate * duration)
        for n in range(total):
            scheduled = started + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_send(client, next_request(n), result, scheduled, in_flight)))
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - started
        return result


def open_loop(
    base_url: str, next_request: Callable[[int], Request], *, rate: float, duration: float, connections: int
) -> LoadResult:
    """Send ``rate`` requests per second for ``duration`` seconds over at most ``connections`` connections."""
    return asyncio.run(open_loop_async(base_url, next_request, rate, duration, connections))


async def _closed_loop(
    base_url: str, next_request: Callable[[int], Request], duration: float, connections: int
) -> LoadResult:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        result = LoadResult(seconds=duration)
        counter = iter(range(10**12))
        deadline = time.perf_counter() + duration

        async def user() -> None:
            while time.perf_counter() < deadline:
                await _send(client, next_request(next(counter)), result, time.perf_counter())

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(connections)))
        result.seconds = time.perf_counter() - started
        return result


def closed_loop(
    base_url: str, next_request: Callable[[int], Request], *, duration: float, connections: int
) -> LoadResult:
    """``connections`` clients sending back to back for ``duration`` seconds: the server's throughput."""
    return asyncio.run(_closed_loop(base_url, next_request, duration, connections))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(
    database_url: str, workdir: Path, *, policy: Path | None = None, workers: int = 1, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """A `baton serve` process (no scheduler, no rate limit) on ``database_url``; yields URL, process, log."""
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    environ |= {
        "BATON_DATABASE_URL": database_url,
        "BATON_SECRET_KEYS": SECRET_KEYS,
        "BATON_RATE_LIMIT_PER_SECOND": "0",
        "BATON_LOG_LEVEL": "WARNING",
        "BATON_WORKERS": str(workers),
        "JIRA_EMAIL": "bench@example.com",
        "JIRA_API_TOKEN": "bench",
        "JIRA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        **env,
    }
    if policy is not None:
        environ["BATON_POLICY"] = str(policy)
    log = workdir / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [BATON, "serve", "--no-scheduler", "--no-migrate", "--port", str(port)],
            env=environ,
            cwd=workdir,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"baton serve exited:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("baton serve did not become ready")
            time.sleep(0.2)
        yield url, process, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def jira_delivery(n: int, issue_id: int, *, prefix: str = "bench") -> Request:
    """A signed Jira ``issue_updated`` delivery with a unique delivery id."""
    body = json.dumps(
        {"webhookEvent": "jira:issue_updated", "timestamp": n, "issue": {"id": str(issue_id), "key": f"B-{issue_id}"}}
    ).encode()
    headers = {
        "X-Hub-Signature": "sha256=" + hmac_hex(WEBHOOK_SECRET.encode(), body),
        "X-Atlassian-Webhook-Identifier": f"{prefix}-{n}",
        "Content-Type": "application/json",
    }
    return "POST", "/webhooks/jira/jira", body, headers


def table_row(values: list[object]) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(str(value) for value in values) + " |"
