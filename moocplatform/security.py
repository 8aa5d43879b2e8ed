"""Log-in wiring and HTTP security headers."""
from __future__ import annotations

from flask import Flask, Response, g
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from .accounts.session_cookies import install_server_sessions
from .extensions import login_manager


def register_security(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    install_server_sessions(app)

    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        # Flask's documented way to wrap the WSGI app; its type declares wsgi_app a method, not an attribute.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    frame_sources = " ".join(f"https://{host}" for host in app.config["VIDEO_EMBED_HOSTS"])
    policy = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"frame-src {frame_sources or chr(39) + 'none' + chr(39)}; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        _private_by_default(response)
        return response


def _private_by_default(response: Response) -> None:
    """A response made for a signed-in user is stored nowhere (no shared cache, no browser history on a shared
    computer), unless its view chose its own caching (immutable public files). Every page that shows personal
    data loads the user, so none can forget this."""
    user = g.get("_login_user")
    if user is None or not user.is_authenticated:
        return
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
