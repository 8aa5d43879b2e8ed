"""The notification mails, rendered by the outbox worker in the recipient's language; every one ends with a
link that stops that kind of mail."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from ..mail import mail_template
from .kinds import notification_kind
from .services import DIGEST_MAIL, SINGLE_MAIL


def _describe(kind: str, params: dict[str, Any]) -> str:
    try:
        return notification_kind(kind).describe(params)
    except LookupError:  # a kind that an area no longer registers: say little rather than fail the mail
        return _("Something happened on moocplatform.")


@mail_template(SINGLE_MAIL)
def single(*, kind: str, params: dict[str, Any], link: str, unsubscribe: str) -> tuple[str, str]:
    line = _describe(kind, params)
    return line, _("%(line)s\n\nSee it here:\n%(link)s\n\nTo get no more e-mails of this kind:\n%(unsubscribe)s\n",
                   line=line, link=link, unsubscribe=unsubscribe)


@mail_template(DIGEST_MAIL)
def digest(*, items: list[dict[str, Any]], page: str, unsubscribe: str, period: str = "daily") -> tuple[str, str]:
    lines = "\n".join(f"- {_describe(item['kind'], item['params'])}\n  {item['link']}" for item in items)
    if period == "weekly":
        subject = ngettext("Your weekly summary: %(num)d new notification",
                           "Your weekly summary: %(num)d new notifications", len(items))
    else:
        subject = ngettext("Your daily summary: %(num)d new notification",
                           "Your daily summary: %(num)d new notifications", len(items))
    return subject, _("%(lines)s\n\nAll your notifications:\n%(page)s\n\n"
                      "To get no more summaries:\n%(unsubscribe)s\n", lines=lines, page=page, unsubscribe=unsubscribe)
