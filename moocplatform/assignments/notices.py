"""What the assignments area tells learners through the platform's notification system: their work was
accepted, or needs a revision (asked for by their facilitator, or by their peers' reviews against the pass
mark). By e-mail unless the learner chooses otherwise on their notification preferences."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..notifications.kinds import NotificationKind, register_notification_kind
from ..notifications.models import Channel


def _describe(params: dict[str, Any]) -> str:
    unit, course = params.get("unit", ""), params.get("course", "")
    if params.get("decision") == "accepted":
        return _("Your work for “%(unit)s” in %(course)s was accepted", unit=unit, course=course)
    if params.get("by") == "peers":
        return _("Your peers' reviews of your work for “%(unit)s” in %(course)s score it below the pass mark: "
                 "read their feedback and hand in a new version", unit=unit, course=course)
    return _("Your facilitator asks you to revise your work for “%(unit)s” in %(course)s: read the feedback and "
             "hand in a new version", unit=unit, course=course)


WORK_DECIDED = register_notification_kind(NotificationKind(
    "assignments.decided", label=lambda: str(_l("Decisions on the work you hand in")), describe=_describe,
    default_channel=Channel.email))
