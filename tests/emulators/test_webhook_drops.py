"""The drop-rate fault: a share of webhook deliveries silently never sent (lost-webhook tests such as W15)."""

from __future__ import annotations

import httpx
import pytest

from emulators.config import EmulatorConfig
from emulators.server import running_server
from tests.emulators.conftest import Receiver, example_config
from tests.emulators.example_vendor import build_app
from tests.emulators.waiting import eventually

SECRET = "drop-secret"


def test_dropped_deliveries_never_reach_the_receiver_and_are_logged(receiver: tuple[str, Receiver]) -> None:
    hook_url, seen = receiver
    with running_server(build_app(example_config())) as url, httpx.Client(base_url=url) as client:
        assert client.post("/rest/webhooks", json={"url": hook_url, "secret": SECRET}).status_code == 201
        changed = client.put("/_emulator/webhooks/drop-rate", json={"rate": 1.0, "seed": 3})
        assert changed.json() == {"rate": 1.0, "dropped": 0}
        client.post("/_emulator/mutations", json={"count": 5, "kinds": ["comment"]})
        log = eventually(
            lambda: (d := client.get("/_emulator/webhooks/deliveries").json()["deliveries"]) and d, timeout=60
        )
        assert {record["outcome"] for record in log} == {"dropped"}
        assert client.get("/_emulator/stats").json()["webhook_deliveries_dropped"] == len(log) == 5

        client.put("/_emulator/webhooks/drop-rate", json={"rate": 0.0})
        client.post("/_emulator/mutations", json={"count": 1, "kinds": ["comment"]})
        eventually(lambda: seen.requests, timeout=60)
        assert len(seen.requests) == 1  # only the delivery after the drops stopped


def test_a_drop_rate_drops_about_that_share_the_same_way_for_the_same_seed(receiver: tuple[str, Receiver]) -> None:
    hook_url, _ = receiver

    def dropped_with(seed: int) -> list[str]:
        with running_server(build_app(example_config(webhook_drop_rate=0.05))) as url, httpx.Client(base_url=url) as c:
            c.post("/rest/webhooks", json={"url": hook_url, "secret": SECRET})
            c.put("/_emulator/webhooks/drop-rate", json={"rate": 0.05, "seed": seed})
            c.post("/_emulator/mutations", json={"count": 400, "kinds": ["comment"]})
            log = eventually(
                lambda: (d := c.get("/_emulator/webhooks/deliveries").json()["deliveries"]) and len(d) >= 400 and d,
                timeout=60,
            )
            return [str(r["delivery_id"]) for r in log if r["outcome"] == "dropped"]

    first = dropped_with(11)
    assert 5 <= len(first) <= 40  # 5 % of 400 is 20
    assert dropped_with(11) == first


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_a_drop_rate_outside_zero_to_one_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="drop rate"):
        EmulatorConfig(vendor="example", webhook_drop_rate=rate)
    with running_server(build_app(example_config())) as url:
        assert httpx.put(f"{url}/_emulator/webhooks/drop-rate", json={"rate": rate}).status_code == 422
