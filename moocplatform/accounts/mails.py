"""The account mails, rendered by the outbox worker in the recipient's language."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _

from ..mail import mail_template

ACCOUNT_EXISTS = "accounts.account_exists"
VERIFY_EMAIL = "accounts.verify_email"
RESET_PASSWORD = "accounts.reset_password"
PASSWORD_CHANGED = "accounts.password_changed"
PASSWORD_WAS_RESET = "accounts.password_was_reset"


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


# After a change of credentials (ASVS 2.2.3, 2.5.5): what happened, when and on which kind of device (a label
# from a fixed list, never text a stranger typed), and what to do if it was not the account holder. No link in
# them signs anyone in or carries a secret: "reset your password" leads to the ordinary request form.

def _when(at: str) -> str:
    return format_datetime(datetime.fromisoformat(at), "medium")


@mail_template(PASSWORD_CHANGED)
def password_changed(*, at: str, device: str, reset: str) -> tuple[str, str]:
    return _("Your password was changed"), _(
        "The password of your account was changed on %(when)s, on a device that says it is %(device)s. "
        "Every other device signed in to your account was logged out.\n\n"
        "If you did this, there is nothing more to do.\n\n"
        "Not you? Reset your password at once here, and tell the administrators:\n%(reset)s\n",
        when=_when(at), device=device, reset=reset)


@mail_template(PASSWORD_WAS_RESET)
def password_was_reset(*, at: str, device: str, reset: str) -> tuple[str, str]:
    return _("Your password was reset"), _(
        "The password of your account was reset on %(when)s with a link sent to this address, on a device "
        "that says it is %(device)s. Every device signed in to your account was logged out.\n\n"
        "If you did this, there is nothing more to do.\n\n"
        "Not you? Someone can read your mail: secure your mailbox, then reset your password again here and tell "
        "the administrators:\n%(reset)s\n",
        when=_when(at), device=device, reset=reset)
