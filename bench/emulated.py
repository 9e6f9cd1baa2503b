"""A vendor emulator in its own process for a benchmark (its CPU and memory are not the measured side's).

    with running_emulator("jira", items=100_000, latency_ms=150) as url:
        ...

The emulator is `baton emulate <vendor>` on a free port of 127.0.0.1; the context waits for its control
health route and, for Jira, warms the search index once so the first measured run does not pay for it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["CREDENTIALS", "EmulatorSpec", "free_port", "running_emulator"]

ROOT = Path(__file__).resolve().parents[1]
CREDENTIALS: dict[str, dict[str, str]] = {
    "jira": {"email": "baton@example.com", "api_token": "emulator-token"},
    "trello": {"api_key": "emulator-key", "token": "emulator-token"},
    "asana": {"token": "emulator-token"},
}


@dataclass(frozen=True)
class EmulatorSpec:
    """What to start: the vendor, its size and seed, added latency and Jira's legacy search."""

    vendor: str
    items: int
    seed: int = 1
    latency_ms: float = 0.0
    legacy_search: bool = False

    def command(self, port: int) -> list[str]:
        argv = [sys.executable, "-m", "main", "emulate", self.vendor, "--port", str(port)]
        argv += ["--items", str(self.items), "--seed", str(self.seed), "--latency-ms", str(self.latency_ms)]
        return argv + (["--legacy-search"] if self.legacy_search else [])


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, child: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{url}/_emulator/health", timeout=5).raise_for_status()
            return
        except httpx.HTTPError:
            if child.poll() is not None:
                raise RuntimeError(f"the emulator exited with {child.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"the emulator at {url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.3)


def _warm_jira(url: str) -> None:
    """The Jira emulator builds each project's ordering on its first ordered query: pay that outside timing."""
    auth = (CREDENTIALS["jira"]["email"], CREDENTIALS["jira"]["api_token"])
    with httpx.Client(base_url=url, auth=auth, timeout=900) as client:
        keys = [p["key"] for p in client.get("/rest/api/3/project/search").json()["values"]]
        jql = f"project in ({', '.join(keys)}) ORDER BY updated ASC"
        client.post("/rest/api/3/search/jql", json={"jql": jql, "fields": ["id"], "maxResults": 1}).raise_for_status()


@contextmanager
def running_emulator(
    vendor: str, *, items: int, seed: int = 1, latency_ms: float = 0.0, legacy_search: bool = False
) -> Iterator[str]:
    """Start the emulator, yield its base URL, stop it afterwards."""
    spec = EmulatorSpec(vendor, items, seed, latency_ms, legacy_search)
    port = free_port()
    child = subprocess.Popen(spec.command(port), cwd=ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, child, timeout=300 + items / 500)
        if vendor == "jira":
            _warm_jira(url)
        yield url
    finally:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
