"""The app shell: what makes the platform an installable, offline-capable web app on a phone. The web app
manifest and its icons, the service worker (served from the site root so that it controls every page), the
offline page, the per-session key that keeps one person's offline copies from another's, and the signed-in
home page with quick links."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .offline import mark_offline_responses, offline_session_key
    from .views import bp

    app.register_blueprint(bp)
    app.after_request(mark_offline_responses)
    app.jinja_env.globals["offline_session_key"] = offline_session_key
