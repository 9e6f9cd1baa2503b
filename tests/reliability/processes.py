"""Real Baton processes for the reliability tests: `baton serve`, `baton worker`, `baton sync` subprocesses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.waiting import wait_for

__all__ = ["BATON", "BatonProcess", "baton_env", "free_port", "running_baton"]

BATON = str(Path(sys.executable).parent / "baton")
SECRET_KEY = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="


def free_port() -> int:
    """An ephemeral port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def baton_env(database_url: str, policy: Path | None, **extra: str) -> dict[str, str]:
    """The environment of a Baton subprocess on ``database_url`` (no `.env` from the developer's shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    env |= {"BATON_DATABASE_URL": database_url, "BATON_SECRET_KEYS": SECRET_KEY, "BATON_LOG_LEVEL": "INFO"}
    if policy is not None:
        env["BATON_POLICY"] = str(policy)
    return env | extra


@dataclass
class BatonProcess:
    """A running Baton subprocess; its output goes to ``log``."""

    process: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@contextmanager
def running_baton(args: list[str], env: Mapping[str, str], cwd: Path, name: str) -> Iterator[BatonProcess]:
    """Start ``baton <args>``; for `serve`, wait until it answers /healthz. Stopped (SIGTERM) afterwards."""
    port = free_port() if args[0] == "serve" else None
    command = [BATON, *args] + (["--port", str(port)] if port is not None else [])
    log = cwd / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=dict(env), cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
    running = BatonProcess(process, log, port)
    try:
        if port is not None:

            def healthy() -> bool | None:
                if process.poll() is not None:
                    raise AssertionError(f"{name} exited early:\n{running.output()}")
                try:
                    return httpx.get(f"{running.url}/healthz", timeout=2).status_code == 200 or None
                except httpx.TransportError:
                    return None

            wait_for(healthy, timeout=90, interval=0.2)
        yield running
    finally:
        running.stop()
