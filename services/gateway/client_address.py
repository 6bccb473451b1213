"""Who is asking, by network address: the peer, or whom a trusted proxy says it forwards.

X-Forwarded-For is a list each proxy appends its peer to, so only the entries appended by
proxies we trust are facts; anything to their left may be made up by the client. The
client is therefore the right-most entry that is not a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from services.gateway.settings import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# one IPv6 subscriber is usually given a whole /64: its addresses count as one client
_IPV6_CLIENT_PREFIX = 64


def client_address(
    remote_addr: str, forwarded_for: str | None, trusted: Iterable[Network]
) -> Address | None:
    """The client's address, or None when the peer's own address is not one."""
    trusted = tuple(trusted)
    peer = _parse(remote_addr)
    if peer is None or not _is_trusted(peer, trusted):
        return peer
    hops = [hop for hop in (forwarded_for or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # a trusted proxy wrote something unreadable: stop at that proxy
        peer = address
        if not _is_trusted(address, trusted):
            break
    return peer


def client_key(remote_addr: str, forwarded_for: str | None, trusted: Iterable[Network]) -> str:
    """What a rate limit counts by: the client's IPv4 address or IPv6 /64."""
    address = client_address(remote_addr, forwarded_for, trusted)
    if address is None:
        return remote_addr or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{_IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)


def _parse(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # a dual-stack server reports IPv4 peers as ::ffff:a.b.c.d
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)
