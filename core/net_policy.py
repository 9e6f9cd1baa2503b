"""Where Baton may send requests: the SSRF guard for vendor base URLs (A9).

A connection's base URL comes from the policy file, so whoever edits the policy could point Baton at the
cloud metadata service or an internal host. Destinations are checked twice:

- at configuration time (:meth:`NetPolicy.check_url`), on the URL as written: scheme, literal addresses,
  names that always mean this machine or a metadata service;
- at connect time (:meth:`NetPolicy.check_host`), on every address the host name resolves to right now, so a
  name that later resolves to a private address (DNS rebinding) is refused as well.

What is refused:

- link-local addresses (``169.254.0.0/16``, ``fe80::/10``; the metadata services live there) and metadata host
  names: always;
- loopback (``127.0.0.0/8``, ``::1``, ``localhost``): in production, unless private hosts are allowed;
  allowed in development (the emulators listen on 127.0.0.1);
- other private, shared, reserved and unspecified ranges (``10/8``, ``172.16/12``, ``192.168/16``,
  ``100.64/10``, ``fc00::/7``, ``0.0.0.0``...): unless private hosts are allowed (``BATON_ALLOW_PRIVATE_HOSTS``,
  for a self-hosted Jira Data Center on the LAN).

Redirects are never followed by the HTTP layer (see :mod:`connectors.http`), so a vendor answer cannot move a
request to a destination that was not checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["ForbiddenDestination", "NetPolicy", "Resolver", "system_resolver"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]

METADATA_HOSTS = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}
)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_TRUE = frozenset({"1", "true", "yes", "on"})


class ForbiddenDestination(ValueError):
    """A request would go to an address Baton must not reach."""


def system_resolver(host: str) -> list[str]:
    """Every address ``host`` resolves to (``getaddrinfo``)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def _literal(host: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class NetPolicy:
    """Which destinations are allowed; :meth:`from_environ` builds the deployment's policy."""

    allow_loopback: bool = True
    allow_private: bool = False
    resolver: Resolver = system_resolver

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> NetPolicy:
        """``BATON_ALLOW_PRIVATE_HOSTS`` (true: loopback and private ranges allowed; false: none) or, when unset,
        by ``BATON_ENVIRONMENT``: development allows loopback only, production refuses every private range."""
        explicit = environ.get("BATON_ALLOW_PRIVATE_HOSTS")
        if explicit is not None and explicit.strip():
            allowed = explicit.strip().lower() in _TRUE
            return cls(allow_loopback=allowed, allow_private=allowed)
        production = environ.get("BATON_ENVIRONMENT", "development").strip().lower() == "production"
        return cls(allow_loopback=not production, allow_private=False)

    def refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` is refused, or ``None`` when it is allowed."""
        if address.is_link_local:
            return "a link-local address (cloud metadata services live there)"
        if address.is_multicast:
            return "a multicast address"
        if address.is_loopback:
            return None if self.allow_loopback else "a loopback address (set BATON_ALLOW_PRIVATE_HOSTS=true to allow)"
        if address.is_unspecified:
            return "an unspecified address"
        if address.is_private or address.is_reserved or not address.is_global:
            return None if self.allow_private else "a private address (set BATON_ALLOW_PRIVATE_HOSTS=true to allow)"
        return None

    def check_url(self, url: str) -> None:
        """Configuration time: refuse ``url`` unless it is http(s) to a name or address that may be reached."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ForbiddenDestination(f"{url!r}: only http and https URLs are allowed")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise ForbiddenDestination(f"{url!r} names no host")
        self._check_name(host, url)

    def _check_name(self, host: str, shown: str) -> None:
        if host in METADATA_HOSTS:
            raise ForbiddenDestination(f"{shown!r} is a cloud metadata service")
        literal = _literal(host)
        if literal is None and (host in LOOPBACK_NAMES or host.endswith(".localhost")):
            literal = ipaddress.ip_address("127.0.0.1")
        if literal is not None:
            reason = self.refusal(literal)
            if reason is not None:
                raise ForbiddenDestination(f"{shown!r} is {reason}")

    def check_host(self, host: str) -> None:
        """Connect time: refuse ``host`` when it, or any address it resolves to now, is refused."""
        name = host.rstrip(".").lower()
        self._check_name(name, host)
        if _literal(name) is not None:
            return
        try:
            addresses = self.resolver(name)
        except OSError as error:
            raise ForbiddenDestination(f"{host!r} does not resolve: {error}") from error
        for text in addresses:
            address = _literal(text)
            reason = self.refusal(address) if address is not None else f"not an address ({text!r})"
            if reason is not None:
                raise ForbiddenDestination(f"{host!r} resolves to {text}, {reason}")
