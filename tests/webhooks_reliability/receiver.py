"""A receiver in its own process on a socket the test owns: it can be ``kill -9``-ed and restarted in place.

The test binds the listening socket (127.0.0.1, ephemeral port) and hands it to each uvicorn process with
``--fd``; while a killed receiver restarts, the kernel keeps queueing new connections on the same port, and
connections open at the kill are reset, which a vendor sees as a failed delivery to retry.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.waiting import wait_for

__all__ = ["ReceiverProcess", "running_receiver"]

ROOT = Path(__file__).resolve().parents[2]


class ReceiverProcess:
    """One uvicorn receiver process at a time on a fixed socket."""

    def __init__(self, factory: str, env: Mapping[str, str]) -> None:
        self.factory = factory
        self.env = {**os.environ, **env}
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # As `baton serve` has it: uvicorn binding host:port gets TCP_NODELAY on every connection from asyncio,
        # but `--fd` wraps the descriptor as AF_UNIX, so asyncio skips it. Linux copies the option from the
        # listening socket to each accepted one. Without it, a response written as headers then body (any
        # answer with a body) waits for the client's delayed ACK before its body leaves (Nagle): up to 40 ms.
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(2048)
        self.host, self.port = self.socket.getsockname()
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.starts = 0

    @property
    def base_url(self) -> str:
        """Where the receiver answers."""
        return f"http://{self.host}:{self.port}"

    def start(self, *, timeout: float = 120.0) -> None:
        """Start a process on the socket and wait until it answers ``/healthz``."""
        fd = self.socket.fileno()
        command = [sys.executable, "-m", "uvicorn", "--factory", self.factory, "--fd", str(fd)]
        command += ["--log-level", "warning", "--no-access-log", "--timeout-keep-alive", "60"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, pass_fds=(fd,))
        self.starts += 1

        def answers() -> bool | None:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"receiver exited with {self.process.returncode}")
            try:
                return httpx.get(f"{self.base_url}/healthz", timeout=5).status_code == 200 or None
            except httpx.HTTPError:
                return None

        wait_for(answers, timeout=timeout, interval=0.1)

    def kill(self) -> None:
        """``kill -9`` the process (no shutdown of any kind) and reap it."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        self.kills += 1

    def stop(self) -> None:
        """Stop the process gracefully (SIGTERM), or kill it after 20 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def close(self) -> None:
        """Stop the process and release the socket."""
        self.stop()
        self.socket.close()


@contextmanager
def running_receiver(factory: str, env: Mapping[str, str]) -> Iterator[ReceiverProcess]:
    """A started :class:`ReceiverProcess`, closed afterwards."""
    receiver = ReceiverProcess(factory, env)
    try:
        receiver.start()
        yield receiver
    finally:
        receiver.close()
