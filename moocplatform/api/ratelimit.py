"""Rate limits per token, in fixed windows.

With REDIS_URL the counters live in Redis, so every worker and machine shares them. Without it they live in
the process: each gunicorn worker then counts on its own (a single-process development server is exact).
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import redis
from flask import current_app

from .. import clock
from .problems import Problem

if TYPE_CHECKING:
    from ..tokens.models import Token

EXTENSION_KEY = "moocplatform.api_rate_limiter"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> Decision: ...


def _window(window_seconds: int) -> tuple[int, int]:
    """The current window's number and the seconds left in it (at least 1)."""
    now = clock.now().timestamp()
    number = int(now // window_seconds)
    return number, max(1, math.ceil((number + 1) * window_seconds - now))


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        number, left = _window(window_seconds)
        with self._lock:
            for stale in [k for k in self._counts if k[1] < number]:
                del self._counts[stale]
            count = self._counts[(key, number)] = self._counts.get((key, number), 0) + 1
        return Decision(count <= limit, limit, max(0, limit - count), left)


class RedisRateLimiter:
    def __init__(self, client: redis.Redis, prefix: str = "moocplatform:ratelimit:") -> None:
        self.client = client
        self.prefix = prefix

    def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        number, left = _window(window_seconds)
        name = f"{self.prefix}{key}:{number}"
        pipeline = self.client.pipeline(transaction=True)
        pipeline.incr(name)
        pipeline.expire(name, window_seconds + 1)
        count, _ = pipeline.execute()
        return Decision(int(count) <= limit, limit, max(0, limit - int(count)), left)


def rate_limiter() -> RateLimiter:
    """The app's limiter: Redis when REDIS_URL is set, else in-process. Made once per app."""
    limiter = current_app.extensions.get(EXTENSION_KEY)
    if limiter is None:
        url = current_app.config.get("REDIS_URL")
        limiter = RedisRateLimiter(redis.Redis.from_url(url, socket_timeout=1)) if url else MemoryRateLimiter()
        current_app.extensions[EXTENSION_KEY] = limiter
    return limiter


def enforce_rate_limit(token: Token) -> dict[str, str]:
    """Count the request against the token's limit: the RateLimit headers, or a 429 problem."""
    limit = current_app.config["API_RATE_LIMIT"]
    window = current_app.config["API_RATE_LIMIT_WINDOW_SECONDS"]
    try:
        decision = rate_limiter().hit(f"token:{token.id}", limit, window)
    except redis.RedisError:
        # The limit protects the service; an unreachable Redis should not take the API down with it.
        current_app.logger.warning("rate limiter unavailable; request let through", exc_info=True)
        return {}
    headers = {"RateLimit-Limit": str(decision.limit), "RateLimit-Remaining": str(decision.remaining),
               "RateLimit-Reset": str(decision.retry_after)}
    if not decision.allowed:
        raise Problem(429, f"At most {limit} requests in {window} seconds per token.", type_="rate-limited",
                      title="Too many requests", headers={**headers, "Retry-After": str(decision.retry_after)})
    return headers
