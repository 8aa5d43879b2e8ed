"""What the opportunities area tells people, through the platform's notification system: a learner hears
when an employer moves their application on, and when a facilitator recommends a posting to their cohort."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..notifications.kinds import NotificationKind, register_notification_kind
from ..notifications.models import Channel

STATUS_LABELS = {
    "received": _l("Received"),
    "reviewing": _l("Being reviewed"),
    "shortlisted": _l("Shortlisted"),
    "declined": _l("Declined"),
    "offered": _l("Offered"),
}

APPLICATION_STATUS = register_notification_kind(NotificationKind(
    "opportunities.application_status", label=lambda: str(_l("News of your applications to opportunities")),
    describe=lambda p: _("Your application to “%(title)s”: %(status)s", title=p.get("title", ""),
                         status=str(STATUS_LABELS.get(p.get("status", ""), p.get("status", "")))),
    default_channel=Channel.email))
RECOMMENDED = register_notification_kind(NotificationKind(
    "opportunities.recommended", label=lambda: str(_l("Opportunities your facilitators recommend")),
    describe=lambda p: _("%(name)s recommends “%(title)s” at %(organisation)s", name=p.get("name", ""),
                         title=p.get("title", ""), organisation=p.get("organisation", "")),
    default_channel=Channel.in_app))
