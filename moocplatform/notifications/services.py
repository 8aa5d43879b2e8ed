"""Telling people: `notify` is what every area calls, in its own transaction (so a rolled-back change tells
nobody). The recipient's choice for the kind decides the channel: in the app only, an e-mail at once through
the outbox, the daily or the weekly digest, or nothing. Mails are rendered by the worker in the recipient's language."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import clock
from ..accounts.services import change_unread_notifications
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..mail import queue_mail
from ..tokens.purposes import UNSUBSCRIBE_LINK
from ..tokens.services import TokenRejected, issue_token, revoke_token, tokens_for_owner, verify_token
from ..urls import public_url
from . import queries
from .channels import delivery_for, offered_channels
from .kinds import notification_kind, registered_notification_kinds
from .models import DIGEST_OF_CHANNEL, Channel, Notification, NotificationPreference

SINGLE_MAIL = "notifications.single"
DIGEST_MAIL = "notifications.digest"
DIGEST_SUBJECT = "digest"  # the unsubscribe token of daily digest mails stops every kind sent by it
WEEKLY_DIGEST_SUBJECT = "weekly-digest"  # and that of weekly digest mails, every kind sent by that one
DIGEST_SUBJECTS = {DIGEST_SUBJECT: Channel.digest, WEEKLY_DIGEST_SUBJECT: Channel.weekly}


def site_path(endpoint: str, **values: Any) -> str:
    """A link inside the site as stored on a notification: the path, under the mount point."""
    return urlsplit(public_url(endpoint, **values)).path


def absolute(path: str) -> str:
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}{path}"


def notify(recipient: Any, kind: str, params: dict[str, Any], *, link: str) -> Notification | None:
    """Tell recipient (a User) about something of a registered kind; params are plain values the kind
    describes in the reader's language. Returns the row, or None when the recipient turned the kind off."""
    registered = notification_kind(kind)
    channel = queries.channel_for(recipient.id, registered)
    if channel == Channel.off or recipient.status == "deleted":
        return None
    period = DIGEST_OF_CHANNEL.get(channel)
    row = Notification(user_id=recipient.id, kind=kind, created_at=clock.now(), params=params, link=link,
                       digest_pending=period is not None, digest_period=period)
    db.session.add(row)
    db.session.flush()
    change_unread_notifications(recipient.id, 1)
    if channel == Channel.email:
        stop = unsubscribe_url(recipient, kind)
        queue_mail(recipient.email, SINGLE_MAIL, recipient_id=recipient.id, list_unsubscribe=stop, kind=kind,
                   params=params, link=absolute(link), unsubscribe=stop)
    elif (delivery := delivery_for(channel)) is not None:  # not set up any more: the site alone tells them
        delivery.deliver(recipient, row)
    return row


def unsubscribe_url(recipient: Any, subject: str) -> str:
    """A one-click link that stops one kind of mail (or the digest), through the token service."""
    _make_room_for_token(recipient)
    issued = issue_token(recipient, recipient, UNSUBSCRIBE_LINK.name, scopes=["unsubscribe"], subject=subject)
    return public_url("notifications.unsubscribe", secret=issued.secret)


def _make_room_for_token(recipient: Any) -> None:
    """Unsubscribe links never expire, and the token service bounds how many are live per owner: the oldest
    make room (a mail that old has long been read or deleted)."""
    live = [t for t in tokens_for_owner(recipient, recipient, UNSUBSCRIBE_LINK.name) if t.revoked_at is None]
    for token in sorted(live, key=lambda t: t.id)[:max(0, len(live) - UNSUBSCRIBE_LINK.max_per_owner + 1)]:
        revoke_token(recipient, token.id)


def unsubscribe(secret: str) -> str:
    """Stop the mail a link names: its kind goes to the app only (a digest's link: every kind it carries).
    Returns the kind (or the digest's subject)."""
    try:
        token = verify_token(secret, UNSUBSCRIBE_LINK.name, scopes=["unsubscribe"])
    except TokenRejected:
        raise NotFound(_("This unsubscribe link is not valid any more.")) from None
    subject = token.subject or ""
    if subject in DIGEST_SUBJECTS:
        kinds = [k.name for k in registered_notification_kinds()
                 if queries.channel_for(token.owner_id, k) == DIGEST_SUBJECTS[subject]]
    else:
        notification_kind(subject)
        kinds = [subject]
    for kind in kinds:
        _set_channel(token.owner_id, kind, Channel.in_app)
    return subject


def set_preferences(actor: Any, user: Any, choices: dict[str, str]) -> None:
    """A person chooses a channel per kind; only they can."""
    if actor is None or actor.id != user.id:
        raise PermissionDenied(_("You can only change your own notifications."))
    known = {k.name for k in registered_notification_kinds()}
    for kind, channel in choices.items():
        if kind not in known:
            raise InvalidInput(_("Unknown kind of notification."))
        if channel not in Channel.__members__ or Channel(channel) not in offered_channels():
            raise InvalidInput(_("Unknown way of being told."), field=kind)
        _set_channel(user.id, kind, Channel(channel))


def _set_channel(user_id: int, kind: str, channel: Channel) -> None:
    row = db.session.scalar(sa.select(NotificationPreference).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind))
    if row is None:
        db.session.add(NotificationPreference(user_id=user_id, kind=kind, channel=channel))
    else:
        row.channel = channel
    db.session.flush()


def mark_all_read(actor: Any) -> int:
    """Returns how many were unread; the bell goes down by as many (one made meanwhile stays unread)."""
    result = db.session.execute(
        sa.update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=clock.now()), execution_options={"synchronize_session": False})
    marked = getattr(result, "rowcount", 0) or 0
    change_unread_notifications(actor.id, -marked)
    return marked


def open_notification(actor: Any, notification_id: int) -> Notification:
    """Mark one notification read and return it (for its link); another's is not found. Opened twice at once,
    it is read once: the update that finds it unread moves the bell."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != actor.id:
        raise NotFound(_("No such notification."))
    if row.read_at is None:
        result = db.session.execute(
            sa.update(Notification).where(Notification.id == row.id, Notification.read_at.is_(None))
            .values(read_at=clock.now()), execution_options={"synchronize_session": False})
        if getattr(result, "rowcount", 0):
            change_unread_notifications(actor.id, -1)
        db.session.refresh(row, ["read_at"])
    return row
