"""The API's limit per token (and per account for a signed-in browser), on the platform's rate limiter
(moocplatform/ratelimit.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from .. import ratelimit
from .problems import Problem

if TYPE_CHECKING:
    from .auth import Caller


def enforce_rate_limit(caller: Caller) -> dict[str, str]:
    """Count the request against the caller's limit: the RateLimit headers, or a 429 problem."""
    limit = current_app.config["API_RATE_LIMIT"]
    window = current_app.config["API_RATE_LIMIT_WINDOW_SECONDS"]
    decision = ratelimit.hit(caller.rate_limit_key, limit, window)
    if not decision.counted:
        return {}
    headers = {"RateLimit-Limit": str(decision.limit), "RateLimit-Remaining": str(decision.remaining),
               "RateLimit-Reset": str(decision.retry_after)}
    if not decision.allowed:
        per = "per token" if caller.token is not None else "per account"
        raise Problem(429, f"At most {limit} requests in {window} seconds {per}.", type_="rate-limited",
                      title="Too many requests", headers={**headers, "Retry-After": str(decision.retry_after)})
    return headers
