"""Accounts: registration, log-in, profiles, passwords and personal data."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models and pure modules, which must not load its
    # pages and commands (and, through them, half the platform) before the application installs it.
    from ..jobs import register_job
    from . import email_change_views  # noqa: F401 (its routes join the blueprint)
    from .second_factor import purge_expired_challenges
    from .second_factor_views import require_second_factor_for_admins
    from .sessions import purge_expired_sessions
    from .throttling import purge_old_login_failures
    from .views import bp

    app.register_blueprint(bp)
    app.before_request(require_second_factor_for_admins)
    register_job(app, "purge-login-failures", "Forget failed log-ins older than the throttling window.",
                 purge_old_login_failures)
    register_job(app, "purge-sessions",
                 "Delete sessions that expired or were made before a password change or suspension.",
                 purge_expired_sessions)
    register_job(app, "purge-login-challenges", "Forget log-ins that waited too long for their second factor.",
                 purge_expired_challenges)
