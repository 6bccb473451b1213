"""Per-client rate limits: a token bucket per (named limit, client), in this gateway's memory.

Each gateway instance counts on its own, so N instances behind a balancer admit up to N
times a limit; that is the price of needing no shared store, and is fine for a limit
meant to stop floods rather than to meter. With `RATE_LIMIT_REDIS_URL` the instances share
one count in Redis (services/gateway/redis_limits.py), which falls back to these buckets
while Redis does not answer.

Memory stays bounded: a bucket idle long enough to have refilled is the same as no bucket,
so it is forgotten; beyond `max_clients` per limit the least recently seen are forgotten
too, which at worst lets those clients start again with a full bucket.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping

from services.gateway.settings import RateLimit

MAX_CLIENTS_PER_LIMIT = 50_000


class TokenBuckets:
    """The buckets of one limit, one per client, the least recently seen first."""

    def __init__(self, limit: RateLimit, max_clients: int = MAX_CLIENTS_PER_LIMIT) -> None:
        self.limit = limit
        self.max_clients = max_clients
        # client -> (tokens, when they were counted)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        # taking does no I/O, so under eventlet it can't be interleaved; the lock keeps it
        # correct where real threads run too (and costs nothing uncontended)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Take a token for `client`: 0 when there was one, else the seconds until there is."""
        now = time.monotonic()
        rate, burst = self.limit.per_second, self.limit.burst
        with self._lock:
            self._forget_idle(now)
            tokens, counted = self._buckets.pop(client, (burst, now))
            tokens = min(burst, tokens + (now - counted) * rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / rate
            # popped and put back: the most recently seen go last
            self._buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
            return wait

    def __len__(self) -> int:
        """How many clients are remembered."""
        return len(self._buckets)

    def _forget_idle(self, now: float) -> None:
        # an empty bucket is full again after this long; ordered by last use, the first
        # bucket not yet that old means none after it is either
        refill_seconds = self.limit.burst / self.limit.per_second
        while self._buckets:
            _client, (_tokens, counted) = next(iter(self._buckets.items()))
            if now - counted < refill_seconds and len(self._buckets) < self.max_clients:
                break
            self._buckets.popitem(last=False)


class RateLimiter:
    """Every named limit's buckets."""

    def __init__(self, limits: Mapping[str, RateLimit]) -> None:
        self._buckets = {name: TokenBuckets(limit) for name, limit in limits.items()}

    def retry_after(self, name: str, client: str) -> int | None:
        """None when `client` may go ahead under the limit `name`, else whole seconds to wait."""
        wait = self._buckets[name].take(client)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def close(self) -> None:
        """Nothing to let go: the buckets are this instance's memory."""
