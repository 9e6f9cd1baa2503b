"""ASGI middleware injecting faults: error statuses, timeouts, resets, truncated or invalid JSON."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulators.asgi_paths import is_control_path
from emulators.faults import FaultDecider, FaultKind
from emulators.http_errors import ErrorFormatter, ensure_retry_after

__all__ = ["TRANSPORT_EXTENSION", "FaultMiddleware", "FaultSettings", "abort_connection"]

# The server runner puts the asyncio transport of the connection here, so a fault can reset it.
TRANSPORT_EXTENSION = "baton.transport"
_INVALID_BODY = b"<!DOCTYPE html><html><head><title>Service Maintenance</title></head><body>Back soon.</body></html>"


@dataclass
class FaultSettings:
    """Tunables of the fault middleware that the control API may change at run time."""

    timeout_seconds: float = 30.0
    retry_after_seconds: int = 1
    latency_ms: float = 0.0


def abort_connection(scope: Scope) -> bool:
    """Reset this request's TCP connection (RST via SO_LINGER 0); False if the server gave no transport."""
    transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


class FaultMiddleware:
    """Per request: optional added latency, then at most one fault drawn by the seeded decider."""

    def __init__(
        self, app: ASGIApp, *, decider: FaultDecider, format_error: ErrorFormatter, settings: FaultSettings
    ) -> None:
        self.app = app
        self.decider = decider
        self.format_error = format_error
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_control_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self.settings.latency_ms > 0:
            await asyncio.sleep(self.settings.latency_ms / 1000.0)
        kind = self.decider.decide()
        if kind is None:
            await self.app(scope, receive, send)
        elif kind.status_code is not None:
            await self._send_status(kind.status_code, send)
        elif kind is FaultKind.TIMEOUT:
            await self._hold_then_answer(scope, receive, send)
        elif kind is FaultKind.RESET:
            await self._reset(scope, send)
        elif kind is FaultKind.TRUNCATE:
            await self._truncate(scope, receive, send)
        else:
            await _send_body(send, 200, _INVALID_BODY, "application/json")

    async def _send_status(self, status: int, send: Send) -> None:
        retry_after = self.settings.retry_after_seconds
        response = self.format_error(status, _STATUS_MESSAGES.get(status, "Injected fault"), retry_after)
        response = ensure_retry_after(response, retry_after)
        await send({"type": "http.response.start", "status": response.status, "headers": response.raw_headers()})
        await send({"type": "http.response.body", "body": response.body})

    async def _hold_then_answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the request `timeout_seconds` (less if the client hangs up), then answer normally."""
        buffered = await _read_request(receive)
        disconnected = asyncio.ensure_future(_wait_for_disconnect(receive))
        try:
            done, _ = await asyncio.wait({disconnected}, timeout=self.settings.timeout_seconds)
        finally:
            disconnected.cancel()
        if done:
            return
        await self.app(scope, _replay(buffered, receive), send)

    async def _reset(self, scope: Scope, send: Send) -> None:
        if not abort_connection(scope):
            # No transport to abort: start a response and break it, so the client sees a broken connection.
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
            raise ConnectionResetError("injected reset")

    async def _truncate(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        if start is None:
            return
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if start["status"] == 200 and body:
            body = body[: len(body) // 2]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})


_STATUS_MESSAGES = {
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


async def _send_body(send: Send, status: int, body: bytes, media_type: str) -> None:
    headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_request(receive: Receive) -> list[Message]:
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _replay(buffered: list[Message], receive: Receive) -> Receive:
    pending = list(buffered)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
