"""Locale and time zone of the current user: the profile first, then the browser's Accept-Language.
Outside a request (command line, jobs) the configured defaults apply."""
from __future__ import annotations

from zoneinfo import available_timezones

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
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


def request_locale() -> str:
    """This request's locale as a string such as "en", looked up once per request (the outline beside a unit
    labels every unit in it)."""
    if not has_request_context():
        return str(get_locale() or "")
    locale = g.get("_locale")
    if locale is None:
        locale = g._locale = str(get_locale() or "")
    return locale


def request_translations() -> NullTranslations:
    """The translations of this request's locale, looked up once per request: a page asks for dozens of
    strings, and Flask-Babel finds its context, locale and catalogue again for each."""
    if not has_request_context():
        return get_translations()
    translations = g.get("_translations")
    if translations is None:
        translations = g._translations = get_translations()
    return translations


def install_template_gettext(app: Flask) -> None:
    """Templates' _(), gettext and ngettext, as Flask-Babel installs them but through request_translations."""
    # jinja2.ext.i18n (which Flask-Babel loads) adds this method at run time; Environment's type cannot show it.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
