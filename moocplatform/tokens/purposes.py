"""What each kind of token is for: its scopes, how long it lives by default, and the prefix of its secret.

A later area adds its kind here with `register_purpose` (a calendar feed, an unsubscribe link) instead of
building another secret mechanism.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Purpose:
    name: str
    prefix: str  # begins each secret, so a leaked one is recognisable (secret scanners, logs)
    scopes: dict[str, str]  # scope -> what it allows, for the page that issues tokens
    default_lifetime: timedelta | None
    max_lifetime: timedelta | None
    max_per_owner: int = 50


_purposes: dict[str, Purpose] = {}


def register_purpose(purpose: Purpose) -> Purpose:
    if purpose.name in _purposes and _purposes[purpose.name] != purpose:
        raise ValueError(f"token purpose {purpose.name!r} is registered twice")
    if any(p.prefix == purpose.prefix for p in _purposes.values() if p.name != purpose.name):
        raise ValueError(f"token prefix {purpose.prefix!r} is taken")
    _purposes[purpose.name] = purpose
    return purpose


def get_purpose(name: str) -> Purpose:
    try:
        return _purposes[name]
    except KeyError:
        raise ValueError(f"unknown token purpose {name!r}") from None


def registered_purposes() -> dict[str, Purpose]:
    return dict(_purposes)


PERSONAL_ACCESS = register_purpose(Purpose(
    name="personal_access", prefix="mpat",
    scopes={"read:profile": _l("Read your profile"),
            "read:courses": _l("Read your courses and enrolments"),
            "read:progress": _l("Read your progress"),
            "read:notes": _l("Read your notes and bookmarks"),
            "write:notes": _l("Write and delete your notes and bookmarks"),
            "read:portfolio": _l("Read your portfolio"),
            "write:portfolio": _l("Add entries to your portfolio and delete them"),
            "read:assignments": _l("Read your assignments, submissions and peer reviews to do"),
            "read:opportunities": _l("Read the open opportunities"),
            "read:applications": _l("Read your applications to opportunities"),
            "write:applications": _l("Apply to opportunities in your name"),
            "read:discussion": _l("Read the discussions of your courses"),
            "write:discussion": _l("Post in the discussions of your courses in your name"),
            "read:notifications": _l("Read your notifications"),
            "read:reminders": _l("Read the coming live sessions and due dates of your cohorts"),
            "read:cohorts": _l("Read your cohorts, their plans and live sessions"),
            "write:cohorts": _l("Mark your cohorts' external plan items done"),
            "read:people": _l("See the people of your courses and cohorts who share their profile"),
            "write:notifications": _l("Mark your notifications read")},
    default_lifetime=timedelta(days=90), max_lifetime=timedelta(days=366),
))
CALENDAR_FEED = register_purpose(Purpose(
    name="calendar_feed", prefix="mpcal", scopes={"read:calendar": _l("Read your course calendar")},
    default_lifetime=None, max_lifetime=None, max_per_owner=20,
))
PORTFOLIO_LINK = register_purpose(Purpose(
    name="portfolio_link", prefix="mppf", scopes={"read:portfolio": _l("Read the shared portfolio")},
    default_lifetime=timedelta(days=180), max_lifetime=None,
))
UNSUBSCRIBE_LINK = register_purpose(Purpose(
    name="unsubscribe", prefix="mpun", scopes={"unsubscribe": _l("Stop a kind of mail")},
    default_lifetime=None, max_lifetime=None, max_per_owner=200,
))
EMAIL_CHANGE = register_purpose(Purpose(
    name="email_change", prefix="mpem", scopes={"change_email": _l("Move the account to the address it was sent to")},
    default_lifetime=timedelta(hours=24), max_lifetime=timedelta(hours=24), max_per_owner=5,
))
