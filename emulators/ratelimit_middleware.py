"""ASGI middleware asking a vendor RateLimitPolicy to admit each request, at emulated time."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulators.asgi_paths import is_control_path
from emulators.clock import EmulatorClock
from emulators.ratelimit_policy import RateLimitPolicy, RequestInfo

__all__ = ["RateLimitMiddleware", "RateLimitSwitch"]


@dataclass
class RateLimitSwitch:
    """Whether rate limiting is on; the control API flips it at run time."""

    enabled: bool = False
    rejected: int = 0


class RateLimitMiddleware:
    """Reject with the policy's 429 or pass through, adding the policy's headers and releasing its slots."""

    def __init__(self, app: ASGIApp, *, policy: RateLimitPolicy, clock: EmulatorClock, switch: RateLimitSwitch):
        self.app = app
        self.policy = policy
        self.clock = clock
        self.switch = switch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.switch.enabled or is_control_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        admission = self.policy.admit(RequestInfo.from_scope(scope), self.clock.timestamp())
        if admission.rejection is not None:
            self.switch.rejected += 1
            rejection = admission.rejection
            await send(
                {
                    "type": "http.response.start",
                    "status": rejection.status,
                    "headers": rejection.raw_headers(),
                }
            )
            await send({"type": "http.response.body", "body": rejection.body})
            return
        extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in admission.headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if admission.release is not None:
                admission.release()
