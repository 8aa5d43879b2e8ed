"""The certificates area's mails, rendered by the outbox worker in the recipient's language."""
from __future__ import annotations

from flask_babel import gettext as _

from ..mail import mail_template

CERTIFICATE_ISSUED = "certificates.issued"
NAME_NEEDED = "certificates.name_needed"
CERTIFICATE_REVOKED = "certificates.revoked"


@mail_template(CERTIFICATE_ISSUED)
def certificate_issued(*, course: str, link: str) -> tuple[str, str]:
    return _("Your certificate for %(course)s", course=course), _(
        "Congratulations: you completed %(course)s, and your certificate of achievement is ready.\n\n"
        "Download it, and share its verification page with anyone who asks:\n%(link)s\n", course=course, link=link)


@mail_template(NAME_NEEDED)
def name_needed(*, course: str, link: str) -> tuple[str, str]:
    return _("Your certificate for %(course)s needs your full name", course=course), _(
        "You completed %(course)s. Your certificate shows your full name, which your account does not have "
        "yet.\n\nSet your full name for certificates here, and the certificate follows shortly:\n%(link)s\n",
        course=course, link=link)


@mail_template(CERTIFICATE_REVOKED)
def certificate_revoked(*, course: str, reason: str, link: str) -> tuple[str, str]:
    return _("Your certificate for %(course)s was revoked", course=course), _(
        "Your certificate for %(course)s was revoked by the course team.\n\nReason: %(reason)s\n\n"
        "Its verification page now says so:\n%(link)s\n", course=course, reason=reason, link=link)
