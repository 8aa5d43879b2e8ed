"""The account mails, rendered by the outbox worker in the recipient's language."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..mail import mail_template

ACCOUNT_EXISTS = "accounts.account_exists"
VERIFY_EMAIL = "accounts.verify_email"
RESET_PASSWORD = "accounts.reset_password"


@mail_template(ACCOUNT_EXISTS)
def account_exists(*, login: str, reset: str) -> tuple[str, str]:
    return _("You already have an account"), _(
        "Someone, probably you, tried to register with this address, which already has an account.\n\n"
        "Log in: %(login)s\nForgot your password? %(reset)s\n", login=login, reset=reset)


@mail_template(VERIFY_EMAIL)
def verify_email(*, link: str, hours: int, **_earlier: Any) -> tuple[str, str]:
    # No name typed at registration: anyone can register anyone's address (mails queued earlier carried one).
    return _("Confirm your e-mail address"), _(
        "Someone, probably you, registered this address.\n\nConfirm it to start learning:\n%(link)s\n\n"
        "The link works for %(hours)d hours. If you did not register, ignore this mail: no account will be "
        "usable without it.\n", link=link, hours=hours)


@mail_template(RESET_PASSWORD)
def reset_password(*, link: str, minutes: int) -> tuple[str, str]:
    return _("Reset your password"), _(
        "Choose a new password here:\n%(link)s\n\nThe link works once, for %(minutes)d minutes. "
        "If you did not ask for it, ignore this mail: your password stays as it is.\n",
        link=link, minutes=minutes)
