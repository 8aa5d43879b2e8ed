"""The account mails, rendered by the outbox worker in the recipient's language."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import format_datetime, ngettext
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


# The second factor (ASVS 2.5.5): the same kind of notice whenever it is set up, turned off, reset or
# stood in for by a recovery code.
SECOND_FACTOR_ENABLED = "accounts.second_factor_enabled"
SECOND_FACTOR_DISABLED = "accounts.second_factor_disabled"
SECOND_FACTOR_RESET = "accounts.second_factor_reset"
RECOVERY_CODES_RENEWED = "accounts.recovery_codes_renewed"
RECOVERY_CODE_USED = "accounts.recovery_code_used"
SECOND_FACTOR_CODE_REUSED = "accounts.second_factor_code_reused"


@mail_template(SECOND_FACTOR_ENABLED)
def second_factor_enabled(*, at: str, device: str, reset: str, **_more: Any) -> tuple[str, str]:
    return _("Your account now asks for a code at log-in"), _(
        "An authenticator app was set up for your account on %(when)s, on a device that says it is "
        "%(device)s. From now on, logging in asks for its code after the password. Every other device signed "
        "in to your account was logged out.\n\n"
        "If you did this, keep your recovery codes somewhere safe.\n\n"
        "Not you? Someone knows your password: reset it at once here, and tell the administrators:\n"
        "%(reset)s\n", when=_when(at), device=device, reset=reset)


@mail_template(SECOND_FACTOR_DISABLED)
def second_factor_disabled(*, at: str, device: str, reset: str, **_more: Any) -> tuple[str, str]:
    return _("Your account no longer asks for a code at log-in"), _(
        "The authenticator app of your account was turned off on %(when)s, on a device that says it is "
        "%(device)s: logging in needs the password only. Every other device signed in to your account was "
        "logged out.\n\n"
        "If you did this, there is nothing more to do.\n\n"
        "Not you? Reset your password at once here, set the app up again, and tell the administrators:\n"
        "%(reset)s\n", when=_when(at), device=device, reset=reset)


@mail_template(SECOND_FACTOR_RESET)
def second_factor_reset(*, at: str, reset: str, **_more: Any) -> tuple[str, str]:
    return _("An administrator turned off your account's second factor"), _(
        "On %(when)s an administrator removed the authenticator app and the recovery codes of your account, "
        "as happens when one is lost. Logging in needs the password only until you set an app up again on "
        "your account page. Every device signed in to your account was logged out.\n\n"
        "Did you not ask for this? Reset your password here and tell the administrators:\n%(reset)s\n",
        when=_when(at), reset=reset)


@mail_template(RECOVERY_CODES_RENEWED)
def recovery_codes_renewed(*, at: str, device: str, reset: str, **_more: Any) -> tuple[str, str]:
    return _("New recovery codes for your account"), _(
        "New recovery codes were made for your account on %(when)s, on a device that says it is %(device)s; "
        "the earlier ones no longer work.\n\n"
        "Not you? Reset your password at once here, and tell the administrators:\n%(reset)s\n",
        when=_when(at), device=device, reset=reset)


@mail_template(RECOVERY_CODE_USED)
def recovery_code_used(*, at: str, reset: str, codes_left: int = 0, **_more: Any) -> tuple[str, str]:
    return _("A recovery code was used to log in"), ngettext(
        "Someone logged in to your account with a recovery code on %(when)s; that code no longer works, and "
        "%(num)d is left. Make new ones on your account page when few are left.\n\n"
        "Not you? Someone has your password and your recovery codes: reset your password at once here, and "
        "tell the administrators:\n%(reset)s\n",
        "Someone logged in to your account with a recovery code on %(when)s; that code no longer works, and "
        "%(num)d are left. Make new ones on your account page when few are left.\n\n"
        "Not you? Someone has your password and your recovery codes: reset your password at once here, and "
        "tell the administrators:\n%(reset)s\n",
        codes_left, when=_when(at), reset=reset)


@mail_template(SECOND_FACTOR_CODE_REUSED)
def second_factor_code_reused(*, at: str, reset: str, **_more: Any) -> tuple[str, str]:
    return _("A code of your app was typed again"), _(
        "On %(when)s someone who knew your password typed a code of your authenticator app that had been used "
        "already. It was refused: each code works once.\n\n"
        "If you logged in twice in a row, there is nothing to do. Otherwise someone may have seen you type "
        "the code, and knows your password: change it at once, or reset it here, and tell the administrators:\n"
        "%(reset)s\n", when=_when(at), reset=reset)


# Moving an account to another address (ASVS 2.5.5 and V6's proof of a new address): the link goes to the new
# address; the old one is told when it is asked for and when it happens. Neither notice carries a link that
# changes anything: undoing needs the account holder to sign in.
EMAIL_CHANGE_LINK = "accounts.email_change_link"
EMAIL_CHANGE_TAKEN = "accounts.email_change_taken"
EMAIL_CHANGE_REQUESTED = "accounts.email_change_requested"
EMAIL_CHANGED = "accounts.email_changed"


@mail_template(EMAIL_CHANGE_LINK)
def email_change_link(*, link: str, hours: int, **_more: Any) -> tuple[str, str]:
    return _("Confirm your new e-mail address"), _(
        "Someone, probably you, asked to move their account to this address.\n\nTo confirm it, open this link "
        "while logged in to that account:\n%(link)s\n\n"
        "The link works once, for %(hours)d hours; it does not log anyone in. If you did not ask for this, "
        "ignore this mail: nothing changes without it.\n", link=link, hours=hours)


@mail_template(EMAIL_CHANGE_TAKEN)
def email_change_taken(*, login: str, reset: str, **_more: Any) -> tuple[str, str]:
    return _("This address already has an account"), _(
        "Someone asked to move another account to this address, but this address already has an account, so "
        "nothing was changed.\n\nIf that was you, log in to the account that has this address:\n%(login)s\n"
        "Forgot its password? %(reset)s\n\nIf it was not you, there is nothing to do.\n",
        login=login, reset=reset)


@mail_template(EMAIL_CHANGE_REQUESTED)
def email_change_requested(*, at: str, device: str, new: str, reset: str, **_more: Any) -> tuple[str, str]:
    return _("A new e-mail address was asked for"), _(
        "On %(when)s, on a device that says it is %(device)s, someone logged in to your account asked to move "
        "it to the address %(new)s. Nothing changes until the link sent there is opened by someone logged in to "
        "your account.\n\nIf you did this, there is nothing more to do.\n\n"
        "Not you? Someone knows your password: change it at once (that also cancels the request), or reset it "
        "here, and tell the administrators:\n%(reset)s\n", when=_when(at), device=device, new=new, reset=reset)


@mail_template(EMAIL_CHANGED)
def email_changed(*, at: str, device: str, new: str, **_more: Any) -> tuple[str, str]:
    return _("The e-mail address of your account was changed"), _(
        "On %(when)s, on a device that says it is %(device)s, your account was moved to the address %(new)s. "
        "Mail about your account, password resets included, now goes there, and every other device signed in "
        "to your account was logged out.\n\nIf you did this, there is nothing more to do.\n\n"
        "Not you? Tell the administrators at once, answering from this address: they can check the account "
        "and move it back.\n", when=_when(at), device=device, new=new)
