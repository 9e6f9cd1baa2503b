"""Serve emulator apps with uvicorn on 127.0.0.1: in a background thread for tests, or in the foreground."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from emulators.fault_middleware import TRANSPORT_EXTENSION

__all__ = [
    "EmulatorProtocol",
    "ServedApp",
    "make_server",
    "running_server",
    "running_servers",
    "serve_forever",
]


class EmulatorProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with TCP_NODELAY forced and the transport exposed for reset faults."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Set TCP_NODELAY (peers stall 40 ms per request without it), then proceed as uvicorn does."""
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

    def on_message_begin(self) -> None:
        """Start a request scope carrying the connection's transport as an ASGI extension."""
        super().on_message_begin()
        extensions: dict[str, Any] = {TRANSPORT_EXTENSION: self.transport}
        self.scope["extensions"] = extensions


@dataclass(frozen=True)
class ServedApp:
    """An app and the port to serve it on (0 = an ephemeral port)."""

    app: ASGIApp
    port: int = 0


def make_server(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for one emulator app (httptools + the emulator protocol, lifespan on)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=EmulatorProtocol,
        lifespan="on",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )
    return uvicorn.Server(config)


def bound_port(server: uvicorn.Server) -> int:
    """The port a started server listens on."""
    for served in server.servers:
        for sock in served.sockets:
            return int(sock.getsockname()[1])
    raise RuntimeError("server has no listening socket")


@contextmanager
def running_servers(apps: Mapping[str, ASGIApp], *, host: str = "127.0.0.1") -> Iterator[dict[str, str]]:
    """Start each app on an ephemeral port in one background thread; yield name -> base URL; stop cleanly."""
    servers = {name: make_server(app, host=host) for name, app in apps.items()}
    loop_ready = threading.Event()
    failure: list[BaseException] = []

    async def run_all() -> None:
        tasks = [asyncio.create_task(server.serve()) for server in servers.values()]
        loop_ready.set()
        await asyncio.gather(*tasks)

    def run() -> None:
        try:
            asyncio.run(run_all())
        except BaseException as error:  # reported to the caller below
            failure.append(error)
            loop_ready.set()

    thread = threading.Thread(target=run, name="emulator-server", daemon=True)
    thread.start()
    loop_ready.wait(10)
    deadline = time.monotonic() + 15
    while not all(server.started for server in servers.values()):
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"emulator server did not start: {failure[:1]}")
        time.sleep(0.005)
    try:
        yield {name: f"http://{host}:{bound_port(server)}" for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.should_exit = True
        thread.join(15)


@contextmanager
def running_server(app: ASGIApp, *, host: str = "127.0.0.1") -> Iterator[str]:
    """Start one app on an ephemeral port in a background thread; yield its base URL."""
    with running_servers({"app": app}, host=host) as urls:
        yield urls["app"]


def serve_forever(apps: Sequence[ServedApp], *, host: str = "127.0.0.1", log_level: str = "info") -> None:
    """Serve several apps in the foreground until interrupted (Ctrl-C)."""
    servers = [make_server(served.app, host=host, port=served.port, log_level=log_level) for served in apps]

    async def run_all() -> None:
        await asyncio.gather(*(server.serve() for server in servers))

    asyncio.run(run_all())
