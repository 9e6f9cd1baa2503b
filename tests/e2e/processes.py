"""Real processes for end-to-end tests and benchmarks: `baton emulate` in a child process, `baton` runs.

Nothing here is mocked: the emulators serve over HTTP on 127.0.0.1 from their own process, and every sync is the
``baton`` console script (or a test-only entry script wrapping it) run as a child process against a store URL.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from emulators.cli import DEMO_CREDENTIALS
from emulators.policy import RunningVendor, write_policy

__all__ = [
    "BATON",
    "BATON_CLI",
    "ROOT",
    "EmulatorProcess",
    "baton_env",
    "free_port",
    "run_baton",
    "running_emulators",
]

ROOT = Path(__file__).resolve().parents[2]
BATON = shutil.which("baton", path=str(Path(sys.executable).parent)) or "baton"
BATON_CLI = (sys.executable, "-m", "cli")  # the same command line, without main.py building the FastAPI app
HEALTH = "/_emulator/health"


def free_port() -> int:
    """A port nobody listens on right now (the child binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class EmulatorProcess:
    """Emulators served by one `baton emulate` child process, and the policy file naming them."""

    process: subprocess.Popen[bytes]
    urls: dict[str, str]  # vendor -> root URL (without the vendor's API base path)
    policy: Path

    def connection(self, vendor: str) -> str:
        """The policy's connection name for ``vendor``."""
        return f"{vendor}-emulator"


def _wait_healthy(process: subprocess.Popen[bytes], urls: Sequence[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for url in urls:
        while True:
            try:
                httpx.get(f"{url}{HEALTH}", timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None:
                    raise RuntimeError(f"`baton emulate` exited with {process.returncode}") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the emulator at {url} did not answer within {timeout} s") from None
                time.sleep(0.2)


def warm_up_jira(url: str) -> None:
    """Let the Jira emulator build its per-project facts index (its first ordered query) before timing a sync."""
    auth = (DEMO_CREDENTIALS["jira"]["email"], DEMO_CREDENTIALS["jira"]["api_token"])
    with httpx.Client(base_url=url, auth=auth, timeout=900) as client:
        keys = [p["key"] for p in client.get("/rest/api/3/project/search").raise_for_status().json()["values"]]
        jql = f"project in ({', '.join(keys)}) AND updated >= -3650d ORDER BY updated ASC"
        client.post("/rest/api/3/search/jql", json={"jql": jql, "fields": ["id"], "maxResults": 1}).raise_for_status()


@contextmanager
def running_emulators(
    vendors: Sequence[str], *, items: int, seed: int, workdir: Path, extra: Sequence[str] = ()
) -> Iterator[EmulatorProcess]:
    """`baton emulate <vendor>` (or `all`) in a child process on free ports, with a policy file for `baton sync`."""
    ports = {vendor: free_port() for vendor in vendors}
    if len(vendors) == 1:
        (vendor,) = vendors
        command = [BATON, "emulate", vendor, "--port", str(ports[vendor])]
    else:
        assert set(vendors) == {"jira", "trello", "asana"}, "several vendors means all three"
        command = [BATON, "emulate", "all", *(f"--{v}-port={p}" for v, p in ports.items())]
    command += ["--seed", str(seed), "--items", str(items), *extra]
    log = (workdir / "emulator.log").open("wb")
    process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    urls = {vendor: f"http://127.0.0.1:{port}" for vendor, port in ports.items()}
    try:
        _wait_healthy(process, list(urls.values()), timeout=120)
        if "jira" in urls:
            warm_up_jira(urls["jira"])
        running = [
            RunningVendor(f"{vendor}-emulator", vendor, urls[vendor], dict(DEMO_CREDENTIALS[vendor]))
            for vendor in vendors
        ]
        policy = write_policy(workdir / "policy.yaml", running)
        yield EmulatorProcess(process=process, urls=urls, policy=policy)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)
        log.close()


def baton_env(database_url: str, policy: Path) -> dict[str, str]:
    """The environment of a `baton` child: this one, the store URL and the policy file; a wide terminal."""
    return {
        **os.environ,
        "BATON_DATABASE_URL": database_url,
        "BATON_POLICY": str(policy),
        "COLUMNS": "200",
    }


def run_baton(
    args: Sequence[str], *, env: dict[str, str], cwd: Path, timeout: float = 1800, program: Sequence[str] = (BATON,)
) -> subprocess.CompletedProcess[str]:
    """Run ``baton ARGS`` to completion and return what it printed."""
    return subprocess.run(
        [*program, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, check=False
    )
