"""The learning area's mails, rendered by the outbox worker in the recipient's language."""
from __future__ import annotations

from flask_babel import gettext as _

from ..mail import mail_template

COURSE_INVITATION = "learning.course_invitation"


@mail_template(COURSE_INVITATION)
def course_invitation(*, title: str, link: str) -> tuple[str, str]:
    return _("You are invited to %(title)s", title=title), _(
        "You are invited to the course %(title)s.\n\nRegister or log in with this address, then enrol here:\n"
        "%(link)s\n", title=title, link=link)
