"""Jinja globals and filters: policy predicates, sanitised HTML, dates in the user's time zone."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from babel import dates
from flask import Flask, g, url_for
from flask_babel import format_date, format_timedelta, get_babel, get_locale, get_timezone, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from . import clock, policy
from .html import safe_html
from .i18n import install_template_gettext, request_locale
from .query_args import list_url
from .registry import Registry


def _datetime(value: datetime | None, style: str = "medium") -> str:
    """"medium" is the locale's medium date with its short time: nobody reads a page to the second. The same
    posts' dates are shown on every request, so each is formatted once per locale and time zone."""
    if not value:
        return ""
    locale = str(get_locale())
    return _datetime_in(value, _medium_without_seconds(locale) if style == "medium" else _style_pattern(style),
                        locale, get_timezone())


@lru_cache(maxsize=16384)
def _datetime_in(value: datetime, pattern: str, locale: str, zone: Any) -> str:
    return dates.format_datetime(value, pattern, locale=locale, tzinfo=zone)


def _style_pattern(style: str) -> str:
    """What Flask-Babel makes of a named style (the app's date_formats, else the locale's own pattern)."""
    return get_babel().instance.date_formats.get(f"datetime.{style}") or style


@lru_cache(maxsize=64)
def _medium_without_seconds(locale: str) -> str:
    return (str(dates.get_datetime_format("medium", locale=locale))
            .replace("{1}", dates.get_date_format("medium", locale=locale).pattern)
            .replace("{0}", dates.get_time_format("short", locale=locale).pattern))


def _date(value: datetime | None, style: str = "medium") -> str:
    return format_date(value, style) if value else ""


def _ago(value: datetime | None) -> str:
    if not value:
        return ""
    delta = value - clock.now()
    if abs(delta) < timedelta(minutes=1):  # not "in 0 seconds" for what happened a moment ago
        return gettext("just now")
    return format_timedelta(delta, add_direction=True)


def _minutes(value: int) -> str:
    return _minutes_in(request_locale(), int(value or 0))


# Translations do not change while the process runs, so short labels are cached per locale: the outline
# beside every unit shows one per unit.
@lru_cache(maxsize=4096)
def _minutes_in(locale: str, value: int) -> str:
    hours, minutes = divmod(value, 60)
    if hours and minutes:
        return gettext("%(h)d h %(m)d min", h=hours, m=minutes)
    if hours:
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return gettext("%(m)d min", m=minutes)


UNIT_TYPE_LABELS = {
    "text": _l("Reading"), "video": _l("Video"), "activity": _l("Activity"), "reflection": _l("Reflection"),
    "resource": _l("Resource"), "discussion": _l("Discussion"), "quiz": _l("Quiz"),
    "references": _l("References"),
}


def unit_meta(unit_type: str, minutes: int, locale: str | None = None) -> str:
    """'Reading · 15 min' for the outline (which looks up the request's locale once for all its units)."""
    return _unit_meta_in(locale or request_locale(), unit_type, int(minutes or 0))


@lru_cache(maxsize=4096)
def _unit_meta_in(locale: str, unit_type: str, minutes: int) -> str:
    label = UNIT_TYPE_LABELS.get(unit_type)
    return f"{label if label is not None else unit_type} · {_minutes_in(locale, minutes)}"


_ID_MARKER = 987_654_321_987_654_321


def url_for_ids(endpoint: str, name: str, **values: Any) -> Callable[[int], str]:
    """url_for(endpoint, name=id, **values) for any id, the URL built once: a list of posts links every post to
    the same few endpoints, and Werkzeug builds each URL from its rule again."""
    prefix, _, suffix = url_for(endpoint, **{name: _ID_MARKER, **values}).partition(str(_ID_MARKER))
    return lambda id_: f"{prefix}{id_}{suffix}"


signed_in_scripts: Registry[str] = Registry("scripts of signed-in pages", key=lambda filename: filename)


def register_signed_in_script(app: Flask, filename: str) -> None:
    """A static script (path under static/) that every page of a signed-in user loads, deferred: an area's
    background work that must not wait for one of its own pages (notes kept offline syncing, say)."""
    signed_in_scripts.register(app, filename)


def page_csrf_token() -> str:
    """The page's CSRF token, made at its first form and then kept for the request: a thread page has 60
    forms, most of them in macros imported without context, and Flask-WTF's csrf_token() reads its settings
    each time."""
    token = g.get("page_csrf_token")
    if token is None:
        token = g.page_csrf_token = generate_csrf()
    return token


@contextmanager
def csrf_placeholder(placeholder: str) -> Iterator[None]:
    """Forms rendered inside carry `placeholder` instead of the CSRF token: HTML kept for other sessions, which
    each put their own token in its place."""
    saved = g.get("page_csrf_token")
    g.page_csrf_token = placeholder
    try:
        yield
    finally:
        if saved is None:
            g.pop("page_csrf_token", None)
        else:
            g.page_csrf_token = saved


def register_template_helpers(app: Flask) -> None:
    install_template_gettext(app)
    # As globals, so that macros imported without context (which Jinja then keeps compiled as modules, instead
    # of running the whole file again on every page) see them too.
    app.jinja_env.globals["csrf_token"] = page_csrf_token  # instead of Flask-WTF's
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.globals.update(policy.JINJA_GLOBALS)
    app.jinja_env.globals["now"] = clock.now
    app.jinja_env.globals["request_locale"] = request_locale
    app.jinja_env.globals["unit_type_labels"] = UNIT_TYPE_LABELS
    app.jinja_env.globals["unit_meta"] = unit_meta
    app.jinja_env.globals["list_url"] = list_url
    app.jinja_env.globals["signed_in_scripts"] = signed_in_scripts.entries
    app.jinja_env.filters.update(
        safe_html=safe_html, datetime=_datetime, date=_date, ago=_ago, minutes=_minutes,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
