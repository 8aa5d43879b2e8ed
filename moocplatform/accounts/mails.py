"""The account mails, rendered by the outbox worker in the recipient's language."""
from __future__ import annotations

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
def verify_email(*, name: str, link: str, hours: int) -> tuple[str, str]:
    return _("Confirm your e-mail address"), _(
        "Welcome, %(name)s!\n\nConfirm your e-mail address to start learning:\n%(link)s\n\n"
        "The link works for %(hours)d hours. If you did not register, ignore this mail.\n",
        name=name, link=link, hours=hours)


@mail_template(RESET_PASSWORD)
def reset_password(*, link: str, minutes: int) -> tuple[str, str]:
    return _("Reset your password"), _(
        "Choose a new password here:\n%(link)s\n\nThe link works once, for %(minutes)d minutes. "
        "If you did not ask for it, ignore this mail: your password stays as it is.\n",
        link=link, minutes=minutes)
