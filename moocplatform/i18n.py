"""Locale and time zone of the current user: the profile first, then the browser's Accept-Language.
Outside a request (command line, jobs) the configured defaults apply."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask import current_app, has_request_context, request
from flask_login import current_user


def select_locale() -> str | None:
    if not has_request_context():
        return None
    supported = current_app.config["SUPPORTED_LOCALES"]
    if current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    return request.accept_languages.best_match(supported)


def select_timezone() -> str | None:
    if has_request_context() and current_user.is_authenticated:
        return current_user.timezone
    return None


_TIMEZONES: list[str] = []


def timezone_choices() -> list[str]:
    if not _TIMEZONES:
        zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
        _TIMEZONES.extend(["UTC", *zones])
    return _TIMEZONES
