"""Input checks that services run themselves (forms only present the errors): each raises InvalidInput naming
the field, so the form shows the message beside it and a caller without a form (CLI, API) gets the same rule."""
from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from .errors import InvalidInput
from .i18n import timezone_choices

EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL = 254


def text(value: Any, field: str, *, max_length: int, min_length: int = 0) -> str:
    """A stripped string of a bounded length."""
    if not isinstance(value, str):
        raise InvalidInput(_("This field takes text."), field=field)
    value = value.strip()
    if len(value) < min_length:
        raise InvalidInput(_("At least %(n)d characters.", n=min_length), field=field)
    if len(value) > max_length:
        raise InvalidInput(_("At most %(n)d characters.", n=max_length), field=field)
    return value


def email(value: Any, field: str = "email") -> str:
    address = text(value, field, max_length=MAX_EMAIL).lower()
    if not EMAIL_SHAPE.fullmatch(address):
        raise InvalidInput(_("Enter an e-mail address."), field=field)
    return address


def timezone(value: Any, field: str = "timezone") -> str:
    """A time zone the pages can show dates in (anything else would break every page with a date)."""
    if not isinstance(value, str) or value not in timezone_choices():
        raise InvalidInput(_("Choose a time zone from the list."), field=field)
    return value


def locale(value: Any, field: str = "locale") -> str:
    if value not in current_app.config["SUPPORTED_LOCALES"]:
        raise InvalidInput(_("Choose a language from the list."), field=field)
    return str(value)


def whole_number(value: Any, field: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(_("A whole number from %(low)d to %(high)d.", low=minimum, high=maximum), field=field)
    return value
