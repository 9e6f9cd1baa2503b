"""A9: SSRF and redirects. Base URLs are checked when a connector is built, every request's destination when it
is sent (what the host resolves to then), and no HTTP path of any vendor follows a redirect. A local listener
counts the TCP connections that reach it: 0 wherever the destination is refused."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from connectors.asana.client import AsanaClient
from connectors.config import ConnectorConfig
from connectors.factory import build_connector, guard_config
from connectors.http import DestinationRefused, GuardedTransport, ResilientCaller, VendorHttp
from connectors.jira.client import JiraClient
from core.net_policy import ForbiddenDestination, NetPolicy
from models.enums import Vendor
from tests.scripted_server import Reply, Script, serve_script

pytestmark = pytest.mark.reliability

PRODUCTION = NetPolicy.from_environ({"BATON_ENVIRONMENT": "production"})
DEVELOPMENT = NetPolicy.from_environ({})
ALLOW_PRIVATE = NetPolicy.from_environ({"BATON_ENVIRONMENT": "production", "BATON_ALLOW_PRIVATE_HOSTS": "true"})
CREDENTIALS = {
    Vendor.JIRA: {"email": "baton@example.com", "api_token": "t"},
    Vendor.TRELLO: {"api_key": "k", "token": "t"},
    Vendor.ASANA: {"token": "t"},
}


class ConnectionCounter:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts (and closes them)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = int(self.socket.getsockname()[1])
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    @contextmanager
    def running(self) -> Iterator[ConnectionCounter]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()
            self.socket.close()


@pytest.fixture
def listener() -> Iterator[ConnectionCounter]:
    with ConnectionCounter().running() as counter:
        yield counter


@pytest.mark.parametrize(
    ("url", "production", "development", "allow_private"),
    [
        ("http://169.254.169.254/latest/meta-data", False, False, False),
        ("http://[::ffff:169.254.169.254]/", False, False, False),
        ("http://[fe80::1]/", False, False, False),
        ("http://metadata.google.internal/computeMetadata/v1/", False, False, False),
        ("http://127.0.0.1:8101", False, True, True),
        ("http://localhost:8101", False, True, True),
        ("http://api.localhost/", False, True, True),
        ("http://[::1]:8101", False, True, True),
        ("http://10.0.0.5/", False, False, True),
        ("http://172.16.3.4/", False, False, True),
        ("http://192.168.1.10/", False, False, True),
        ("http://100.64.0.1/", False, False, True),
        ("http://0.0.0.0:8101", False, False, False),
        ("https://acme.atlassian.net", True, True, True),
        ("https://93.184.216.34/", True, True, True),
        ("file:///etc/passwd", False, False, False),
        ("gopher://acme.atlassian.net/", False, False, False),
    ],
)
def test_base_urls_are_checked_at_configuration_time(
    url: str, production: bool, development: bool, allow_private: bool
) -> None:
    for policy, allowed in ((PRODUCTION, production), (DEVELOPMENT, development), (ALLOW_PRIVATE, allow_private)):
        if allowed:
            policy.check_url(url)
        else:
            with pytest.raises(ForbiddenDestination):
                policy.check_url(url)


def test_the_allow_setting_can_also_refuse_loopback_in_development() -> None:
    strict = NetPolicy.from_environ({"BATON_ALLOW_PRIVATE_HOSTS": "false"})
    with pytest.raises(ForbiddenDestination):
        strict.check_url("http://127.0.0.1:8101")


@pytest.mark.parametrize("vendor", list(Vendor))
def test_a_refused_base_url_never_builds_a_connector_and_nothing_connects(
    vendor: Vendor, listener: ConnectionCounter
) -> None:
    config = ConnectorConfig(
        name="c", vendor=vendor, base_url=f"http://127.0.0.1:{listener.port}", credentials=CREDENTIALS[vendor]
    )
    with pytest.raises(DestinationRefused, match="loopback"):
        guard_config(config, {"BATON_ENVIRONMENT": "production"})
    with pytest.raises(DestinationRefused, match="link-local"):
        guard_config(
            ConnectorConfig(name="c", vendor=vendor, base_url="http://169.254.169.254", credentials=CREDENTIALS[vendor])
        )
    assert listener.accepted == 0


def test_connect_time_resolution_refuses_a_name_that_now_points_inside(listener: ConnectionCounter) -> None:
    """DNS rebinding: the name passed the configuration check; at connect time it resolves to loopback."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    policy = NetPolicy(allow_loopback=False, resolver=lambda host: next(answers))
    url = f"http://rebound.example:{listener.port}/rest/api/3/myself"
    policy.check_url(url)
    policy.check_host("rebound.example")  # the first answer: public
    http = VendorHttp(httpx.Client(transport=GuardedTransport(httpx.HTTPTransport(), policy)), ResilientCaller())
    with pytest.raises(DestinationRefused, match=r"resolves to 127\.0\.0\.1"):
        http.get_json(url)
    assert http.caller.stats.requests == 1  # refused once, not retried
    assert listener.accepted == 0


def test_the_listener_does_count_connections_that_are_allowed(listener: ConnectionCounter) -> None:
    """The control for the counts above: an allowed destination does reach the listener."""
    client = httpx.Client(transport=GuardedTransport(httpx.HTTPTransport(), DEVELOPMENT), timeout=2)
    with pytest.raises(httpx.TransportError):
        client.get(f"http://localhost:{listener.port}/")
    assert listener.accepted >= 1


@pytest.fixture
def redirector(listener: ConnectionCounter) -> Iterator[str]:
    """A vendor (on loopback, allowed in development) that answers every request with a 302 to the listener."""
    target = f"http://127.0.0.1:{listener.port}/latest/meta-data/iam/security-credentials/"
    script = Script(default=Reply(status=302, body=b"", headers=(("Location", target),)))
    with serve_script(script) as url:
        yield url


@pytest.mark.parametrize("vendor", list(Vendor))
def test_no_connector_follows_a_redirect(vendor: Vendor, redirector: str, listener: ConnectionCounter) -> None:
    config = ConnectorConfig(name="c", vendor=vendor, base_url=redirector, credentials=CREDENTIALS[vendor])
    connector = build_connector(config)
    with pytest.raises(DestinationRefused, match="302 redirect"):
        connector.discover()
    assert listener.accepted == 0


def test_the_jira_sdk_session_refuses_redirects(redirector: str, listener: ConnectionCounter) -> None:
    config = guard_config(
        ConnectorConfig(name="j", vendor=Vendor.JIRA, base_url=redirector, credentials=CREDENTIALS[Vendor.JIRA]), {}
    )
    client = JiraClient(config)
    with pytest.raises(DestinationRefused, match="302 redirect"):
        client.myself()
    assert client.requests_made == 1
    assert listener.accepted == 0


def test_the_asana_sdk_pool_refuses_redirects(redirector: str, listener: ConnectionCounter) -> None:
    config = guard_config(
        ConnectorConfig(name="a", vendor=Vendor.ASANA, base_url=redirector, credentials=CREDENTIALS[Vendor.ASANA]), {}
    )
    client = AsanaClient(config)
    pool = client._sdk.rest_client.pool_manager
    with pytest.raises(DestinationRefused, match="302 redirect"):
        pool.request("GET", f"{redirector}/api/1.0/users/me")
    assert listener.accepted == 0
