"""The API's limit per token, on the platform's rate limiter (moocplatform/ratelimit.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from .. import ratelimit
from .problems import Problem

if TYPE_CHECKING:
    from ..tokens.models import Token


def enforce_rate_limit(token: Token) -> dict[str, str]:
    """Count the request against the token's limit: the RateLimit headers, or a 429 problem."""
    limit = current_app.config["API_RATE_LIMIT"]
    window = current_app.config["API_RATE_LIMIT_WINDOW_SECONDS"]
    decision = ratelimit.hit(f"token:{token.id}", limit, window)
    if not decision.counted:
        return {}
    headers = {"RateLimit-Limit": str(decision.limit), "RateLimit-Remaining": str(decision.remaining),
               "RateLimit-Reset": str(decision.retry_after)}
    if not decision.allowed:
        raise Problem(429, f"At most {limit} requests in {window} seconds per token.", type_="rate-limited",
                      title="Too many requests", headers={**headers, "Retry-After": str(decision.retry_after)})
    return headers
