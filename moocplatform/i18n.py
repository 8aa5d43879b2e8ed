"""Locale and time zone of the current user: the profile first, then the browser's Accept-Language.
Outside a request (command line, jobs) the configured defaults apply."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import available_timezones

import pytz
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations, refresh
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

_rendering_for: ContextVar[tuple[str, str] | None] = ContextVar("moocplatform_rendering_for", default=None)


def select_locale() -> str | None:
    if (chosen := _rendering_for.get()) is not None:
        return chosen[0]
    if not has_request_context():
        return None
    supported = current_app.config["SUPPORTED_LOCALES"]
    if current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    return request.accept_languages.best_match(supported)


def select_timezone() -> str | None:
    if (chosen := _rendering_for.get()) is not None:
        return chosen[1]
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
    labels every unit in it). Inside rendering_for, the recipient's, never the request's cached one."""
    if not has_request_context() or _rendering_for.get() is not None:
        return str(get_locale() or "")
    locale = g.get("_locale")
    if locale is None:
        locale = g._locale = str(get_locale() or "")
    return locale


def request_translations() -> NullTranslations:
    """The translations of this request's locale, looked up once per request: a page asks for dozens of
    strings, and Flask-Babel finds its context, locale and catalogue again for each. Inside rendering_for,
    the recipient's."""
    if not has_request_context() or _rendering_for.get() is not None:
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
    # The extension's `_` resolves `gettext` and calls it through the context, which calls the new-style
    # wrapper, which calls the function above: a thread page asks for 230 strings. This is that wrapper's
    # behaviour in one call (escaped interpolation under autoescape; "%%" read as "%" as the wrapper does),
    # with the catalogue looked up once per rendering.
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = _template_gettext
    app.context_processor(lambda: {_CATALOGUE: request_translations()})


_CATALOGUE = "_catalogue"


@pass_context
def _template_gettext(context: Context, string: str, **variables: object) -> str:
    translations = context.get(_CATALOGUE) or request_translations()  # a macro imported without context
    text: str = translations.ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


def recipient_settings(locale: str | None, timezone: str | None) -> tuple[str, str]:
    """The locale and time zone to write to someone in: theirs when the platform supports them, otherwise the
    platform's defaults (never those of whoever caused the mail)."""
    config = current_app.config
    chosen_locale = locale if locale and locale in config["SUPPORTED_LOCALES"] else config["BABEL_DEFAULT_LOCALE"]
    chosen_zone = timezone if timezone and timezone in pytz.all_timezones_set else config["BABEL_DEFAULT_TIMEZONE"]
    return str(chosen_locale), str(chosen_zone)


@contextmanager
def rendering_for(locale: str, timezone: str) -> Iterator[None]:
    """Strings, dates and times rendered inside this block are in the given locale and time zone (mails
    rendered by the worker for their recipient, whoever caused them). Needs an application context."""
    token = _rendering_for.set((locale, timezone))
    refresh()  # Flask-Babel caches what its selectors chose
    try:
        yield
    finally:
        _rendering_for.reset(token)
        refresh()
