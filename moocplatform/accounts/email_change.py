"""Moving an account to another e-mail address.

The holder asks on the account page with the new address and the current password (throttled as log-ins are).
A link from the token service goes to the new address; the account moves only when that link is opened and
confirmed by someone signed in to this account, so a link that reached the wrong inbox, or was forwarded, signs
nobody in and changes nothing on its own. It lives a day, works once, and dies with a newer request, a
password change or anything else that moves `auth_version`: the subject of the token binds both the address
and the version.

Whether the new address has an account already is never shown on the page: the page says the same thing, and
the mail to that address says it is taken instead of carrying a link. The old address hears of the request and
of the change, with no link that undoes anything without signing in.

Changing the address changes how the account is recovered (password resets go there), so it counts as a
change of credentials (ASVS 2.5.5, 3.3.3): every other session ends, a reset link sent to the old address
stops working, and the browser that did it stays signed in.
"""
from __future__ import annotations

import hashlib

from flask_babel import gettext as _

from .. import audit, clock, policy, validation
from ..errors import Conflict, DomainError, InvalidInput, PermissionDenied
from ..extensions import db
from ..mail import queue_mail, requested_mail_allowed
from ..tokens.purposes import EMAIL_CHANGE
from ..tokens.services import TokenRejected, issue_token, revoke_all, verify_token
from ..urls import public_url
from .mails import EMAIL_CHANGE_LINK, EMAIL_CHANGE_REQUESTED, EMAIL_CHANGE_TAKEN, EMAIL_CHANGED
from .models import User
from .services import check_current_password, get_user_by_email
from .sessions import revoke_credentials
from .throttling import LoginSource

SCOPE = "change_email"


class TooManyMails(DomainError):
    """The mail limits refused the link (the same limits as resets and confirmations)."""

    status_code = 429


def _require_holder(actor, user: User) -> None:
    if not policy.can_manage_own_account(actor, user):
        raise PermissionDenied(_("Only the account holder can do that."))


def _subject(user: User, address: str) -> str:
    """What a link is bound to: this address and the account's current credentials."""
    return hashlib.sha256(f"{user.id}\n{address}\n{user.auth_version}".encode()).hexdigest()


def masked(address: str) -> str:
    """An address as the old inbox is shown it: enough to recognise one's own, not to harvest a stranger's."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}{'*' * max(3, len(local) - 1)}@{domain}"


def request_email_change(user: User, new_address: str, password: str, source: LoginSource, *,
                         device: str = "Unknown device") -> None:
    """user asks to move their account to new_address (proving it with the current password). Whether the
    address is free or not, the caller shows the same answer."""
    _require_holder(user, user)
    address = validation.email(new_address, "new_email")
    check_current_password(user, password, source, field="current_password",
                           message=_("Your current password is not right."))
    if address == user.email:
        raise InvalidInput(_("That is the address of your account already."), field="new_email")
    if not requested_mail_allowed(address, source.ip):
        raise TooManyMails(_("Too many mails were asked for just now. Try again in an hour."))
    revoke_all(user, user, EMAIL_CHANGE.name)  # one change waits at a time: the newest
    user.pending_email = address  # shown on the page either way, so the page tells nothing
    holder = get_user_by_email(address)
    if holder is not None:
        queue_mail(address, EMAIL_CHANGE_TAKEN, recipient_id=holder.id, login=public_url("accounts.login"),
                   reset=public_url("accounts.forgot_password"))
    else:
        issued = issue_token(user, user, EMAIL_CHANGE.name, scopes=[SCOPE], subject=_subject(user, address),
                             label=_("New e-mail address"))
        # In the language of the account that asked: the mail is for its holder.
        queue_mail(address, EMAIL_CHANGE_LINK, recipient_id=user.id, hours=email_change_lifetime_hours(),
                   link=public_url("accounts.confirm_email_change", secret=issued.secret))
    queue_mail(user.email, EMAIL_CHANGE_REQUESTED, recipient_id=user.id, at=clock.now().isoformat(),
               device=device[:80], new=masked(address), reset=public_url("accounts.forgot_password"))
    audit.record(user, "account.request_email_change", user)
    db.session.flush()


def cancel_email_change(user: User) -> bool:
    """The holder withdraws a waiting change; its link stops working. False when none was waiting."""
    _require_holder(user, user)
    if user.pending_email is None:
        return False
    revoke_all(user, user, EMAIL_CHANGE.name)
    user.pending_email = None
    audit.record(user, "account.cancel_email_change", user)
    db.session.flush()
    return True


def _link_problem() -> InvalidInput:
    return InvalidInput(_("This link is not valid any more. Ask for a new one on your account page."))


def address_of_link(user: User, secret: str) -> str:
    """The address a link opened by signed-in user would move the account to; the same error for a link that
    is forged, used, expired, superseded or another account's."""
    if user.pending_email is None:
        raise _link_problem()
    try:
        token = verify_token(secret, EMAIL_CHANGE.name, scopes=[SCOPE], subject=_subject(user, user.pending_email))
    except TokenRejected as error:
        raise _link_problem() from error
    if token.owner_id != user.id:
        raise _link_problem()
    return user.pending_email


def confirm_email_change(user: User, secret: str, *, keep_session_id: int | None = None,
                         device: str = "Unknown device") -> str:
    """Signed-in user confirms the link that reached the new address: the account moves there (now proven),
    every other session ends, and the old address is told. Returns the old address."""
    _require_holder(user, user)
    address = address_of_link(user, secret)
    revoke_all(user, user, EMAIL_CHANGE.name)  # single use
    user.pending_email = None
    if get_user_by_email(address) is not None:  # taken since the link was sent; the mailbox holder may know
        db.session.flush()
        raise Conflict(_("That address has an account now, so yours was not moved."))
    old = user.email
    user.email = address
    user.email_verified_at = clock.now()
    revoke_credentials(user, keep_session_id=keep_session_id)
    queue_mail(old, EMAIL_CHANGED, recipient_id=user.id, at=clock.now().isoformat(), device=device[:80],
               new=masked(address))
    audit.record(user, "account.change_email", user)
    db.session.flush()
    return old


def email_change_lifetime_hours() -> int:
    lifetime = EMAIL_CHANGE.default_lifetime
    return int(lifetime.total_seconds() // 3600) if lifetime else 0

