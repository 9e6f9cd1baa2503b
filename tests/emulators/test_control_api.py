"""The /_emulator control API served by the example vendor."""

from __future__ import annotations

import httpx

from emulators.org.model import Vendor


def test_health_and_stats(example_url: str) -> None:
    health = httpx.get(f"{example_url}/_emulator/health").json()
    assert health["status"] == "ok"
    assert health["items"] == 600
    stats = httpx.get(f"{example_url}/_emulator/stats").json()
    assert stats["items"] == 600
    assert sum(sum(c["statuses"].values()) for c in stats["containers"]) == 600
    assert all(c["items"] == sum(c["statuses"].values()) for c in stats["containers"])


def test_mutations_change_state_and_stats(example_url: str) -> None:
    with httpx.Client(base_url=example_url) as client:
        applied = client.post("/_emulator/mutations", json={"count": 30}).json()
        assert applied["count"] == 30
        deleted = sum(m["deleted"] for m in applied["applied"])
        stats = client.get("/_emulator/stats").json()
        assert stats["writes"] >= 30
        assert stats["items"] == 600 - deleted
        assert all(c["items"] == sum(c["statuses"].values()) for c in stats["containers"])


def test_planted_manifest_is_queryable(example_url: str) -> None:
    with httpx.Client(base_url=example_url) as client:
        everything = client.get("/_emulator/planted", params={"vendor": "all", "limit": 100000}).json()
        assert everything["total"] == sum(everything["counts"].values())
        stale = client.get("/_emulator/planted", params={"rule": "R02"}).json()
        assert stale["total"] > 0
        assert all(s["rule"] == "R02" and s["refs"][0]["vendor"] == Vendor.JIRA.value for s in stale["subjects"])
        assert client.get("/_emulator/planted", params={"rule": "R99"}).status_code == 422


def test_clock_can_be_frozen_set_and_advanced(example_url: str) -> None:
    with httpx.Client(base_url=example_url) as client:
        frozen = client.post("/_emulator/clock", json={"freeze": True}).json()
        assert frozen["frozen"] is True
        assert client.get("/_emulator/clock").json()["epoch"] == frozen["epoch"]
        moved = client.post("/_emulator/clock", json={"advance_seconds": 3600}).json()
        assert moved["epoch"] == frozen["epoch"] + 3600
        landed = client.post("/_emulator/clock", json={"set": "2030-01-01T00:00:00Z"}).json()
        assert landed["now"] == "2030-01-01T00:00:00Z"


def test_faults_and_rate_limit_can_be_changed_at_run_time(example_url: str) -> None:
    with httpx.Client(base_url=example_url) as client:
        assert client.put("/_emulator/faults", json={"spec": "500=0.5"}).json()["rates"] == {"500": 0.5}
        assert client.put("/_emulator/faults", json={"spec": "nonsense"}).status_code == 422
        assert client.put("/_emulator/rate-limit", json={"enabled": True}).json()["enabled"] is True
        assert client.get("/_emulator/rate-limit").json()["enabled"] is True
