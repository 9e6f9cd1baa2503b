"""The control API under /_emulator/ (no vendor has it): health, stats, faults, limits, clock, etc."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from emulators.asgi_paths import CONTROL_PREFIX
from emulators.faults import FaultSpecError, parse_fault_spec
from emulators.mutations import MutationKind
from emulators.org.model import Vendor
from emulators.org.scenarios import Rule
from emulators.runtime import EmulatorRuntime

__all__ = [
    "ClockUpdate",
    "FaultsUpdate",
    "MutationBurst",
    "RateLimitUpdate",
    "WebhookDropUpdate",
    "build_control_router",
]


class FaultsUpdate(BaseModel):
    """PUT /_emulator/faults: any subset of the fault settings."""

    spec: str | None = Field(default=None, description='e.g. "429=0.05,500=0.02,timeout=0.01"')
    seed: int | None = None
    timeout_seconds: float | None = Field(default=None, ge=0)
    retry_after_seconds: int | None = Field(default=None, ge=0)
    latency_ms: float | None = Field(default=None, ge=0)


class RateLimitUpdate(BaseModel):
    """PUT /_emulator/rate-limit."""

    enabled: bool


class MutationBurst(BaseModel):
    """POST /_emulator/mutations: apply `count` random changes."""

    count: int = Field(default=10, ge=1, le=10_000)
    kinds: list[MutationKind] | None = None


class WebhookDropUpdate(BaseModel):
    """PUT /_emulator/webhooks/drop-rate: silently drop this share of webhook deliveries."""

    rate: float = Field(ge=0.0, le=1.0)
    seed: int | None = None


class ClockUpdate(BaseModel):
    """POST /_emulator/clock: set, advance, freeze/unfreeze or change speed (applied in that order)."""

    set: datetime | None = None
    advance_seconds: float | None = None
    freeze: bool | None = None
    speed: float | None = Field(default=None, gt=0)


def build_control_router(runtime: EmulatorRuntime) -> APIRouter:
    """The control router every vendor app mounts (done for you by create_emulator_app)."""
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["emulator control"])

    @router.get("/health")
    def health() -> dict[str, object]:
        return {
            "status": "ok",
            "vendor": runtime.vendor.value,
            "seed": runtime.config.seed,
            "items": runtime.config.items,
            "now": runtime.clock.snapshot()["now"],
        }

    @router.get("/stats")
    def stats() -> dict[str, object]:
        store = runtime.store
        containers = []
        for team in runtime.org.teams(runtime.vendor):
            containers.append(
                {
                    "team": team.name,
                    "key": team.key,
                    "id": runtime.org.container_id(runtime.vendor, team.index),
                    "items": store.count(team.index),
                    "statuses": store.status_counts(team.index),
                }
            )
        webhooks = runtime.webhooks
        return {
            "vendor": runtime.vendor.value,
            "items": sum(c["items"] for c in containers),  # type: ignore[misc]
            "containers": containers,
            "writes": store.writes,
            "faults_injected": {k.value: n for k, n in runtime.faults.injected.items()},
            "rate_limited": runtime.rate_limit.rejected,
            "webhook_subscriptions": len(runtime.subscriptions.all()),
            "webhook_deliveries": len(webhooks.deliveries()) if webhooks else 0,
            "webhook_deliveries_dropped": webhooks.dropped if webhooks else 0,
            "simulated_changes": runtime.simulator.applied,
            "requests_by_route": runtime.requests.snapshot(),
        }

    def faults_view() -> dict[str, object]:
        settings = runtime.fault_settings
        return {
            "spec": runtime.faults.spec.format(),
            "rates": runtime.faults.spec.to_json(),
            "timeout_seconds": settings.timeout_seconds,
            "retry_after_seconds": settings.retry_after_seconds,
            "latency_ms": settings.latency_ms,
            "injected": {k.value: n for k, n in runtime.faults.injected.items()},
        }

    @router.get("/faults")
    def get_faults() -> dict[str, object]:
        return faults_view()

    @router.put("/faults")
    def put_faults(update: FaultsUpdate) -> dict[str, object]:
        if update.spec is not None or update.seed is not None:
            try:
                spec = parse_fault_spec(update.spec) if update.spec is not None else runtime.faults.spec
            except FaultSpecError as error:
                raise HTTPException(status_code=422, detail=str(error)) from error
            runtime.faults.replace(spec, seed=update.seed)
        settings = runtime.fault_settings
        if update.timeout_seconds is not None:
            settings.timeout_seconds = update.timeout_seconds
        if update.retry_after_seconds is not None:
            settings.retry_after_seconds = update.retry_after_seconds
        if update.latency_ms is not None:
            settings.latency_ms = update.latency_ms
        return faults_view()

    @router.get("/rate-limit")
    def get_rate_limit() -> dict[str, object]:
        return {"enabled": runtime.rate_limit.enabled, "rejected": runtime.rate_limit.rejected}

    @router.put("/rate-limit")
    @router.post("/rate-limit")
    def put_rate_limit(update: RateLimitUpdate) -> dict[str, object]:
        runtime.rate_limit.enabled = update.enabled
        return get_rate_limit()

    @router.post("/mutations")
    def mutations(burst: MutationBurst) -> dict[str, object]:
        applied = runtime.activity.burst(burst.count, burst.kinds)
        return {"applied": [m.to_json() for m in applied], "count": len(applied)}

    @router.get("/webhooks/deliveries")
    def deliveries(limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> dict[str, object]:
        records = runtime.webhooks.deliveries(limit) if runtime.webhooks else []
        return {"deliveries": [r.to_json() for r in records]}

    @router.put("/webhooks/drop-rate")
    def put_drop_rate(update: WebhookDropUpdate) -> dict[str, object]:
        if runtime.webhooks is None:
            raise HTTPException(status_code=404, detail="this emulator sends no webhooks")
        runtime.webhooks.set_drop_rate(update.rate, seed=update.seed)
        return {"rate": runtime.webhooks.drop_rate, "dropped": runtime.webhooks.dropped}

    @router.get("/webhooks/subscriptions")
    def subscriptions() -> dict[str, object]:
        return {"subscriptions": [s.to_json() for s in runtime.subscriptions.all()]}

    @router.get("/planted")
    def planted(
        rule: Rule | None = None,
        vendor: Annotated[str | None, Query(description="a vendor, or 'all'; default: this emulator's")] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    ) -> dict[str, object]:
        chosen = None if vendor == "all" else Vendor(vendor) if vendor else runtime.vendor
        subjects = runtime.manifest.subjects(rule, chosen)
        return {
            "now": runtime.org.now,
            "seed": runtime.config.seed,
            "counts": runtime.manifest.counts(),
            "total": len(subjects),
            "offset": offset,
            "subjects": [s.to_json() for s in subjects[offset : offset + limit]],
        }

    @router.get("/clock")
    def get_clock() -> dict[str, object]:
        return runtime.clock.snapshot()

    @router.post("/clock")
    def post_clock(update: ClockUpdate) -> dict[str, object]:
        clock = runtime.clock
        if update.set is not None:
            clock.set(update.set)
        if update.advance_seconds is not None:
            clock.advance(timedelta(seconds=update.advance_seconds))
        if update.freeze is True:
            clock.freeze()
        elif update.freeze is False:
            clock.unfreeze()
        if update.speed is not None:
            clock.set_speed(update.speed)
        return clock.snapshot()

    return router
