"""Notifications, the platform's one system for telling people things: kinds registered by areas, a channel
per person and kind (on the site, e-mail at once, daily or weekly summary, off), a bell with the unread
count, mails through the outbox with one-click unsubscribe links from the token service, and the digest
job."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from ..jobs import register_job
    from . import api, mails  # noqa: F401  (registers the mail templates)
    from .digests import send_digests
    from .queries import unread_count
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer tokens, or the page's CSRF token in a header (api/auth.py checks either)
    app.jinja_env.globals["unread_notifications"] = unread_count
    register_job(app, "send-notification-digests",
                 "Send each person their daily and weekly summaries of notifications.", send_digests,
                 interval=timedelta(hours=1))
