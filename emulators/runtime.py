"""Everything one running emulator instance holds: clock, organisation, store, faults, limits, webhooks."""

from __future__ import annotations

import random
import threading
from collections.abc import Awaitable, Callable

from emulators.activity import ActivitySimulator
from emulators.clock import EmulatorClock
from emulators.config import EmulatorConfig, default_now
from emulators.events import ChangeBus
from emulators.fault_middleware import FaultSettings
from emulators.faults import FaultDecider, parse_fault_spec
from emulators.mutations import ActivityGenerator
from emulators.org.generator import Organisation, OrgConfig
from emulators.org.manifest import PlantedManifest
from emulators.org.model import Vendor
from emulators.ratelimit_middleware import RateLimitSwitch
from emulators.request_tally import RequestTally
from emulators.store import ItemStore
from emulators.webhooks import DeliveryWorker, SubscriptionRegistry, WebhookProfile

__all__ = ["EmulatorRuntime"]

StartHook = Callable[["EmulatorRuntime"], Awaitable[None]]


class EmulatorRuntime:
    """The state behind one vendor app: vendors read `store`, `org`, `clock`; hook into `bus`, `webhooks`."""

    def __init__(
        self,
        config: EmulatorConfig,
        vendor: Vendor,
        *,
        webhook_profile: WebhookProfile | None = None,
        subscription_ids: Callable[[int], str] | None = None,
        clock: EmulatorClock | None = None,
    ) -> None:
        self.config = config
        self.vendor = vendor
        now = config.now or default_now()
        self.clock = clock or EmulatorClock(start=now)
        self.org = Organisation(OrgConfig(seed=config.seed, items=config.items, now=now, jira_site=config.jira_site))
        self.bus = ChangeBus()
        self.store = ItemStore(self.org, vendor, self.clock, self.bus)
        fault_seed = config.seed if config.fault_seed is None else config.fault_seed
        self.faults = FaultDecider(parse_fault_spec(config.faults), seed=fault_seed)
        self.fault_settings = FaultSettings(
            timeout_seconds=config.timeout_fault_seconds,
            retry_after_seconds=config.retry_after_seconds,
            latency_ms=config.latency_ms,
        )
        self.rate_limit = RateLimitSwitch(enabled=config.rate_limit)
        self.requests = RequestTally()
        self.subscriptions = SubscriptionRegistry(subscription_ids)
        self.webhooks: DeliveryWorker | None = None
        if webhook_profile is not None:
            self.webhooks = DeliveryWorker(
                self.subscriptions,
                webhook_profile,
                self.clock,
                time_scale=config.webhook_time_scale,
                drop_rate=config.webhook_drop_rate,
                drop_seed=config.seed,
            )
        self.activity = ActivityGenerator(self.store, random.Random(config.seed * 7 + 1))
        self.simulator = ActivitySimulator(
            ActivityGenerator(self.store, random.Random(config.seed * 7 + 2)), config.activity_per_minute
        )
        self.start_hooks: list[StartHook] = []
        self._manifest: PlantedManifest | None = None
        self._manifest_lock = threading.Lock()

    @property
    def manifest(self) -> PlantedManifest:
        """The planted manifest (computed on first use: O(planted subjects))."""
        with self._manifest_lock:
            if self._manifest is None:
                self._manifest = PlantedManifest(self.org)
            return self._manifest

    async def start(self) -> None:
        """Start the webhook worker, the activity simulator and vendor hooks (the app lifespan calls it)."""
        if self.webhooks is not None:
            await self.webhooks.start()
        self.simulator.start()
        for hook in self.start_hooks:
            await hook(self)

    async def stop(self) -> None:
        """Stop background work."""
        await self.simulator.stop()
        if self.webhooks is not None:
            await self.webhooks.stop()
