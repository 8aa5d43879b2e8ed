"""The assignments area's mails (until the notifications area gives them a notification kind)."""
from __future__ import annotations

from flask_babel import gettext as _

from ..mail import mail_template

SUBMISSION_REVIEWED = "assignments.submission_reviewed"


@mail_template(SUBMISSION_REVIEWED)
def submission_reviewed(*, course: str, unit: str, decision: str, link: str, by: str = "staff") -> tuple[str, str]:
    """by: "staff", or "peers" when the median of the peers' reviews decided against the pass mark."""
    if decision == "accepted":
        return _("Your work for %(unit)s was accepted", unit=unit), _(
            "Your work for “%(unit)s” in %(course)s was accepted. The scores and feedback are here:\n%(link)s\n",
            unit=unit, course=course, link=link)
    if by == "peers":
        return _("Your work for %(unit)s needs a revision", unit=unit), _(
            "Your peers' reviews of your work for “%(unit)s” in %(course)s score it below the pass mark. Read "
            "their feedback and hand in a new version here:\n%(link)s\n", unit=unit, course=course, link=link)
    return _("Your work for %(unit)s needs a revision", unit=unit), _(
        "Your facilitator asks you to revise your work for “%(unit)s” in %(course)s. Read the feedback and hand "
        "in a new version here:\n%(link)s\n", unit=unit, course=course, link=link)
