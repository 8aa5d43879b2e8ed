"""What cohorts tell learners through the platform's notification system: a facilitator signed them off, or
withdrew a sign-off (with the reason)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
