"""The client's address: the TCP peer, or what a trusted proxy in front of the service says it is.

``X-Forwarded-For`` and ``Forwarded`` are written by whoever sends the request, so they are read
only when the TCP peer is one of the configured trusted proxies (``TRUSTED_PROXIES``, CIDRs), and
only the header those proxies set (``TRUSTED_PROXY_HEADER``): a proxy that appends to
``X-Forwarded-For`` passes a client's own ``Forwarded`` header through untouched. The chain is read
from the nearest hop backwards; the first address that is not a trusted proxy is the client, so
values a client prepended itself are never reached.

``client_address`` is the one answer to "who is the client" (attempt limits, session
``ipAddress``, logs); ``peer_is_trusted`` decides whether other proxy-set headers (``X-Request-ID``)
may be believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from litestar.types import Scope

from app.config import ConfigurationError

__all__ = (
    "TRUSTED_PROXIES_STATE_KEY",
    "TrustedProxies",
    "client_address",
    "peer_address",
    "peer_is_trusted",
    "scope_client_address",
)

TRUSTED_PROXIES_STATE_KEY = "trusted_proxies"
"""App-state key of the app's :class:`TrustedProxies`."""

ProxyHeader = Literal["x-forwarded-for", "forwarded"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse_address(value: str) -> IPAddress | None:
    """An address as proxies write it (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``"::1"``), or None."""
    text = value.strip().strip('"').strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _forwarded_for(values: Iterable[str]) -> list[str]:
    """The ``for=`` of each element of RFC 7239 ``Forwarded`` header values, in order."""
    hops: list[str] = []
    for value in values:
        for element in value.split(","):
            for pair in element.split(";"):
                name, _, hop = pair.partition("=")
                if name.strip().lower() == "for":
                    hops.append(hop)
    return hops


def _x_forwarded_for(values: Iterable[str]) -> list[str]:
    return [hop for value in values for hop in value.split(",") if hop.strip()]


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    """The proxies whose forwarding headers are believed, and which header they set."""

    networks: tuple[IPNetwork, ...] = ()
    header: ProxyHeader = "x-forwarded-for"

    @classmethod
    def parse(cls, entries: Sequence[str], header: str = "x-forwarded-for") -> TrustedProxies:
        """From ``TRUSTED_PROXIES`` entries (CIDRs or single addresses); a bad entry fails start-up."""
        networks = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError as exc:
                msg = f"TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR network"
                raise ConfigurationError(msg) from exc
        normalized = header.strip().lower()
        if normalized not in ("x-forwarded-for", "forwarded"):
            msg = f"TRUSTED_PROXY_HEADER must be x-forwarded-for or forwarded, got {header!r}"
            raise ConfigurationError(msg)
        return cls(tuple(networks), normalized)  # type: ignore[arg-type]  # checked above

    def trusts(self, address: IPAddress | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def resolve(self, peer: str | None, header_values: Sequence[str]) -> str | None:
        """The client address, given the TCP peer and the values of the configured forwarding header."""
        current = _parse_address(peer) if peer else None
        if current is None or not self.trusts(current):
            return peer
        parse = _forwarded_for if self.header == "forwarded" else _x_forwarded_for
        for hop in reversed(parse(header_values)):
            address = _parse_address(hop)
            if address is None:
                break  # obfuscated or malformed: the last trusted hop is all that is known
            current = address
            if not self.trusts(address):
                break
        return str(current)


def peer_address(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def _proxies(scope: Scope) -> TrustedProxies:
    proxies: TrustedProxies | None = scope["app"].state.get(TRUSTED_PROXIES_STATE_KEY)
    return proxies or TrustedProxies()


def _header_values(scope: Scope, name: str) -> list[str]:
    encoded = name.encode()
    return [value.decode("latin-1") for key, value in scope.get("headers", ()) if key.lower() == encoded]


def peer_is_trusted(scope: Scope) -> bool:
    """Whether the TCP peer is a trusted proxy (so the headers it sets may be believed)."""
    peer = peer_address(scope)
    return _proxies(scope).trusts(_parse_address(peer) if peer else None)


def scope_client_address(scope: Scope) -> str | None:
    """The client's address for an ASGI connection scope (of this app)."""
    proxies = _proxies(scope)
    return proxies.resolve(peer_address(scope), _header_values(scope, proxies.header))


def client_address(connection: Any) -> str | None:
    """The client's address for a request or connection (anything with an ASGI ``scope``)."""
    return scope_client_address(connection.scope)
