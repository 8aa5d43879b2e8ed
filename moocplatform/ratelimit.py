"""The one rate-limit mechanism: counts of events per key in fixed windows, for the API's tokens, mail that
strangers can trigger, and any other limit (log-in throttling is different: its counts live in the database,
see accounts/throttling.py).

With REDIS_URL the counters live in Redis, so every worker and machine shares them. Without it they live in
the process: each gunicorn worker then counts on its own (a single-process development server is exact).
An unreachable Redis lets events through: a limit protects the service and must not take it down.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Protocol

import redis
from flask import abort, current_app, make_response, request
from flask_babel import gettext as _

from . import clock

EXTENSION_KEY = "moocplatform.rate_limiter"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends
    counted: bool = True  # False when the limiter was unreachable and the event was let through


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> Decision: ...


def _window(window_seconds: int) -> tuple[int, int]:
    """The current window's number and the seconds left in it (at least 1)."""
    now = clock.now().timestamp()
    number = int(now // window_seconds)
    return number, max(1, math.ceil((number + 1) * window_seconds - now))


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        number, left = _window(window_seconds)
        with self._lock:
            for stale in [k for k in self._counts if k[2] == window_seconds and k[1] < number]:
                del self._counts[stale]
            slot = (key, number, window_seconds)
            count = self._counts[slot] = self._counts.get(slot, 0) + 1
        return Decision(count <= limit, limit, max(0, limit - count), left)


class RedisRateLimiter:
    def __init__(self, client: redis.Redis, prefix: str = "moocplatform:ratelimit:") -> None:
        self.client = client
        self.prefix = prefix

    def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        number, left = _window(window_seconds)
        name = f"{self.prefix}{key}:{window_seconds}:{number}"
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


def hit(key: str, limit: int, window_seconds: int) -> Decision:
    """Count one event against key ("api-token:7", "mail-to:ann@example.org"); whether it is within the limit."""
    try:
        return rate_limiter().hit(key, limit, window_seconds)
    except redis.RedisError:
        current_app.logger.warning("rate limiter unavailable; %s let through", key.split(":")[0], exc_info=True)
        return Decision(True, limit, limit, window_seconds, counted=False)


def within_all(*limits: tuple[str, int, int]) -> bool:
    """Count one event against each (key, limit, window); True when every one of them allows it. Every limit
    counts the event, so a refused source keeps being refused however it spreads over recipients."""
    decisions = [hit(key, limit, window) for key, limit, window in limits]
    return all(decision.allowed for decision in decisions)


View = Callable[..., Any]


def per_address(name: str, setting: str, window_seconds: int = 60) -> Callable[[View], View]:
    """Limit a public view to config[setting] requests per client address in each window (the address as the
    proxy reports it, see PROXY_FIX_HOPS); beyond it a 429 page with Retry-After."""
    def decorator(view: View) -> View:
        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            decision = hit(f"{name}:{request.remote_addr or '-'}", current_app.config[setting], window_seconds)
            if not decision.allowed:
                response = make_response("", 429, {"Retry-After": str(decision.retry_after)})
                abort(429, description=_("Too many requests from your address: wait %(n)d seconds and try "
                                         "again.", n=decision.retry_after), response=response)
            return view(*args, **kwargs)
        return limited
    return decorator
