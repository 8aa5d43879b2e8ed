"""What cohorts tell people through the platform's notification system: learners, that a facilitator signed
them off or withdrew a sign-off (with the reason), that they were put in a team, and reminders; facilitators,
which of their learners went quiet."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..notifications.kinds import NotificationKind, register_notification_kind
from ..notifications.models import Channel

SIGN_OFF_GIVEN = register_notification_kind(NotificationKind(
    "cohorts.sign_off", label=lambda: str(_l("Your facilitators' sign-offs")),
    describe=lambda p: _("Your facilitator in “%(cohort)s” signed off your work in %(course)s",
                         cohort=p.get("cohort", ""), course=p.get("course", "")),
    default_channel=Channel.email))
SIGN_OFF_WITHDRAWN = register_notification_kind(NotificationKind(
    "cohorts.sign_off_withdrawn", label=lambda: str(_l("Your facilitators' sign-offs withdrawn")),
    describe=lambda p: _("Your facilitator in “%(cohort)s” withdrew their sign-off: %(reason)s",
                         cohort=p.get("cohort", ""), reason=p.get("reason", "")),
    default_channel=Channel.email))
SESSION_REMINDER = register_notification_kind(NotificationKind(
    "cohorts.session_reminder", label=lambda: str(_l("Reminders of your cohort's live sessions")),
    describe=lambda p: (_("“%(title)s” of “%(cohort)s” starts within the hour: %(when)s", **_text(p))
                        if p.get("soon") else
                        _("“%(title)s” of “%(cohort)s” is coming up: %(when)s", **_text(p))),
    default_channel=Channel.email))
DUE_REMINDER = register_notification_kind(NotificationKind(
    "cohorts.due_reminder", label=lambda: str(_l("Reminders of what is due in your cohort")),
    describe=lambda p: _("“%(title)s” is due in “%(cohort)s”: %(when)s", **_text(p)),
    default_channel=Channel.email))
QUIET_REMINDER = register_notification_kind(NotificationKind(
    "cohorts.quiet_reminder", label=lambda: str(_l("A word when you have been away from your cohort")),
    describe=lambda p: ngettext("Your cohort “%(cohort)s” in %(course)s goes on: nothing from you for %(num)d day",
                                "Your cohort “%(cohort)s” in %(course)s goes on: nothing from you for %(num)d days",
                                int(p.get("days") or 0), cohort=p.get("cohort", ""), course=p.get("course", "")),
    default_channel=Channel.email))

TEAM_PLACED = register_notification_kind(NotificationKind(
    "cohorts.team_placed", label=lambda: str(_l("Being put in a team of your cohort")),
    describe=lambda p: _("You are in the team “%(team)s” of “%(cohort)s”", team=p.get("team", ""),
                         cohort=p.get("cohort", "")),
    default_channel=Channel.email))

QUIET_LEARNERS = register_notification_kind(NotificationKind(
    "cohorts.quiet_learners", label=lambda: str(_l("Learners of the cohorts you facilitate who have gone quiet")),
    describe=lambda p: ngettext(
        "In “%(cohort)s”, %(num)d learner has gone quiet for %(days)d days or more: %(names)s",
        "In “%(cohort)s”, %(num)d learners have gone quiet for %(days)d days or more: %(names)s",
        int(p.get("count") or 0), cohort=p.get("cohort", ""), days=int(p.get("days") or 0),
        names=_names(p)),
    default_channel=Channel.email))

NAMES_LISTED = 10  # a notice names this many learners; the rest are counted, and the dashboard lists them all


def _names(params) -> str:
    names = list(params.get("names") or [])
    more = int(params.get("count") or 0) - len(names)
    listed = ", ".join(names)
    return _("%(names)s and %(n)d more", names=listed, n=more) if more > 0 else listed


def _text(params) -> dict:
    return {"title": params.get("title", ""), "cohort": params.get("cohort", ""), "when": params.get("when", "")}
