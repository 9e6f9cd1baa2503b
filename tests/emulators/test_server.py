"""The runner: real 127.0.0.1 sockets, TCP_NODELAY, tolerant paths, clean shutdown."""

from __future__ import annotations

import socket

import httpx
import pytest

from emulators.asgi_paths import normalize_path
from emulators.server import running_server, running_servers
from tests.emulators.conftest import example_config
from tests.emulators.example_vendor import build_app


def test_tcp_nodelay_is_set_on_accepted_connections(example_url: str) -> None:
    assert httpx.get(f"{example_url}/rest/debug/nodelay").json()["nodelay"] != 0


@pytest.mark.parametrize(
    "path",
    [
        "//rest/api/items",
        "/rest//api//items",
        "/127.0.0.1:8766/x.atlassian.net/rest/api/items",
        "/jira//rest/api/items",
    ],
)
def test_double_slashes_and_prefixes_before_rest_are_tolerated(example_url: str, path: str) -> None:
    response = httpx.get(example_url + path, params={"maxResults": 2})
    assert response.status_code == 200
    assert len(response.json()["values"]) == 2


def test_normalize_path() -> None:
    assert normalize_path("/1//members/me", ("/1/",)) == "/1/members/me"
    assert normalize_path("/prefix/_emulator/health", ("/rest/",)) == "/_emulator/health"
    assert normalize_path("/", ("/rest/",)) == "/"


def test_several_apps_on_ephemeral_ports_shut_down_cleanly() -> None:
    apps = {"a": build_app(example_config()), "b": build_app(example_config(seed=4))}
    with running_servers(apps) as urls:
        assert urls["a"] != urls["b"]
        assert all(httpx.get(f"{u}/_emulator/health").status_code == 200 for u in urls.values())
        port = int(urls["a"].rsplit(":", 1)[1])
    with socket.socket() as probe:
        probe.settimeout(1)
        with pytest.raises(ConnectionRefusedError):
            probe.connect(("127.0.0.1", port))


def test_paging_walks_every_generated_item_once(example_url: str) -> None:
    with httpx.Client(base_url=example_url) as client:
        stats = client.get("/_emulator/stats").json()
        for team, container in enumerate(stats["containers"]):
            seen: list[str] = []
            start = 0
            while True:
                page = client.get("/rest/api/items", params={"team": team, "startAt": start, "maxResults": 37}).json()
                seen.extend(v["id"] for v in page["values"])
                start += len(page["values"])
                if page["isLast"]:
                    break
            assert len(seen) == len(set(seen)) == container["items"]


def test_running_server_serves_a_single_app() -> None:
    with running_server(build_app(example_config())) as url:
        assert url.startswith("http://127.0.0.1:")
