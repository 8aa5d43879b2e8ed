"""Absolute links for mails and other places outside a request, built from PUBLIC_BASE_URL."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint as the public sees it, whether or not a request is under way."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base + "/"):
        return url_for(endpoint, _external=True, **values)


def base_path() -> str:
    """The path the application is mounted at ('' at the root), for links stored in content."""
    return urlsplit(current_app.config["PUBLIC_BASE_URL"]).path.rstrip("/")


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths may be redirect targets after log-in."""
    if not target or not target.isprintable() or "\\" in target:  # header injection; "/\\host" is "//host"
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")
