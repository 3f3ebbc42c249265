"""Who a request comes from, and how many requests a minute each client may send."""

import ipaddress
import math
import time
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> list[Network]:
    """ANALYTICS_TRUSTED_PROXIES: addresses or networks, comma-separated."""
    return [
        ipaddress.ip_network(part.strip(), strict=False)
        for part in setting.split(",")
        if part.strip()
    ]


def _is_trusted(address: str, trusted: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_ip(peer: str, forwarded_for: str | None, trusted: list[Network]) -> str:
    """The peer address; when the peer is a trusted proxy, the nearest address in its
    X-Forwarded-For that is not a trusted proxy (a client can write anything at the far end
    of that list, so it is read from the near end)."""
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


class RateLimiter:
    """A token bucket per client: `per_minute` requests, refilled evenly over the minute."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}  # client: (tokens, at)
        self._next_sweep = time.monotonic() + 60

    def take(self, client: str) -> float:
        """0 when the request may pass (its token taken); else the seconds until it may."""
        now = time.monotonic()
        if now >= self._next_sweep:
            self._sweep(now)
        tokens, at = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.rate)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1 - tokens) / self.rate

    def _sweep(self, now: float) -> None:
        """Forget the clients whose bucket is full again (the memory follows the active ones)."""
        full_after = self.capacity / self.rate
        self._buckets = {
            client: bucket
            for client, bucket in self._buckets.items()
            if now - bucket[1] < full_after
        }
        self._next_sweep = now + 60


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
