"""The one token service: revocable, scoped, expiring secrets for URLs and API clients, stored hashed."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The page where people manage their personal access tokens (the service itself needs no installing)."""
    from .views import bp

    app.register_blueprint(bp)
