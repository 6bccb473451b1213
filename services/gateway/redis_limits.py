"""Rate limits shared by every gateway instance: the token buckets kept in Redis.

With `RATE_LIMIT_REDIS_URL` set, each take is one Lua script run in Redis: refill by the
time passed, take a token or say how long until there is one, store, expire. Atomic (a
script runs alone), on Redis's clock (gateways whose clocks differ still agree), and every
bucket expires once it would be full again, so Redis holds only the clients seen lately.

Redis is a convenience here, not a dependency: when it does not answer within
`SOCKET_TIMEOUT`, the gateway counts in its own memory (the per-instance limit, as
without Redis), logs it once per outage, counts `rathaus_rate_limit_fallbacks_total`, and
asks Redis again after `RETRY_AFTER_FAILURE` seconds. A request is never refused, failed
or held up for long because Redis is away.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping

import redis
from nameko import config
from nameko.exceptions import ConfigurationError
from prometheus_client import Counter

from services.common.logging import get_logger
from services.gateway.rate_limits import RateLimiter
from services.gateway.settings import RateLimit, rate_limits_from_config

log = get_logger(__name__)

KEY_PREFIX = "rathaus:rate-limit"
# a take is a round trip on the local network; a Redis slower than this counts as away
SOCKET_TIMEOUT = 0.25
RETRY_AFTER_FAILURE = 5.0

FALLBACKS = Counter(
    "rathaus_rate_limit_fallbacks_total",
    "Rate-limit checks counted in the gateway's own memory because Redis did not answer.",
    ["limit"],
)

# KEYS[1]: the bucket; ARGV: tokens per second, burst. Answers the seconds to wait (0: go
# ahead) as a string: Redis turns a Lua number into an integer.
TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisRateLimiter:
    """Every named limit's buckets in Redis; this instance's memory while Redis is away."""

    def __init__(self, limits: Mapping[str, RateLimit], url: str) -> None:
        self.limits = dict(limits)
        self.fallback = RateLimiter(limits)
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            retry_on_timeout=False,
        )
        self._take = self.client.register_script(TAKE)
        self._away_until = 0.0  # monotonic time before which Redis is not asked

    def retry_after(self, name: str, client: str) -> int | None:
        """None when `client` may go ahead under the limit `name`, else whole seconds to wait."""
        limit = self.limits[name]
        if time.monotonic() >= self._away_until:
            try:
                wait = float(self._take(keys=[bucket_key(name, client)], args=_args(limit)))
            except (redis.RedisError, OSError, ValueError) as error:
                self._went_away(error)
            else:
                self._came_back()
                return max(1, math.ceil(wait)) if wait > 0 else None
        FALLBACKS.labels(name).inc()
        return self.fallback.retry_after(name, client)

    def close(self) -> None:
        self.client.close()

    def _went_away(self, error: Exception) -> None:
        if not self._away_until:
            log.warning("rate_limits_in_memory", reason=repr(error), retry_in=RETRY_AFTER_FAILURE)
        self._away_until = time.monotonic() + RETRY_AFTER_FAILURE

    def _came_back(self) -> None:
        if self._away_until:
            log.info("rate_limits_in_redis_again")
            self._away_until = 0.0


def bucket_key(name: str, client: str) -> str:
    return f"{KEY_PREFIX}:{name}:{client}"


def _args(limit: RateLimit) -> list[str]:
    return [repr(limit.per_second), str(limit.burst)]


def rate_limiter_from_config() -> RateLimiter | RedisRateLimiter:
    """In Redis when RATE_LIMIT_REDIS_URL names one, else in this instance's memory."""
    limits = rate_limits_from_config()
    url = str(config.get("RATE_LIMIT_REDIS_URL") or "").strip()
    if not url:
        return RateLimiter(limits)
    try:
        limiter = RedisRateLimiter(limits, url)
    except ValueError as error:  # no redis://, rediss:// or unix:// address
        raise ConfigurationError(f"RATE_LIMIT_REDIS_URL: {error}") from None
    log.info("rate_limits_shared", redis=_without_password(url))
    return limiter


def _without_password(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//***@", url)
