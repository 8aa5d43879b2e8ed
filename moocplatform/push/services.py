"""Push subscriptions and their delivery. A browser subscribes with its push service and hands us the
endpoint and keys; a notification for someone who chose push becomes one outbox row per device, and the worker
sends each (encrypted, VAPID-signed). A push service that answers 404 or 410 says the subscription is gone: it
is deleted, not retried."""
from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from pywebpush import WebPushException, webpush

from .. import audit, clock, transaction
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..i18n import recipient_settings, rendering_for
from ..notifications.kinds import notification_kind
from ..outbox import PermanentFailure, enqueue
from .keys import push_configured, signing_key, subject
from .models import PushSubscription
from .queries import delivery_of, subscriptions_of

log = logging.getLogger(__name__)

DELIVER_KIND = "push.deliver"
GONE = (404, 410)
TIME_TO_LIVE = 24 * 3600  # a reminder a device could not get within a day is stale
SEND_TIMEOUT_SECONDS = 10


def _decoded(value: Any, field: str, length: int) -> str:
    text = value if isinstance(value, str) else ""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length or (field == "p256dh" and raw[:1] != b"\x04"):
        raise InvalidInput(_("This browser's push subscription is not valid."), field=field)
    return text


def _endpoint(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(text)
    schemes = {"https", "http"} if current_app.config.get("PUSH_ALLOW_HTTP_ENDPOINTS") else {"https"}
    if len(text) > 1000 or parts.scheme not in schemes or not parts.netloc or parts.username or parts.password:
        raise InvalidInput(_("This browser's push subscription is not valid."), field="endpoint")
    return text


def subscribe(actor: Any, session_id: int | None, subscription: dict[str, Any]) -> PushSubscription:
    """This signed-in browser session gets push messages at the endpoint its push service gave it. The same
    endpoint again (a page reloaded) updates the one row; a device that changes hands follows its new user."""
    if actor is None or not getattr(actor, "is_authenticated", False) or session_id is None:
        raise PermissionDenied(_("Log in to get push messages."))
    given = subscription.get("keys")
    keys: dict[str, Any] = given if isinstance(given, dict) else {}
    endpoint = _endpoint(subscription.get("endpoint"))
    p256dh = _decoded(keys.get("p256dh"), "p256dh", 65)
    auth = _decoded(keys.get("auth"), "auth", 16)
    if not push_configured():
        raise NotFound(_("Push messages are not set up on this platform."))
    row = db.session.scalar(sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(user_id=actor.id, session_id=session_id, endpoint=endpoint, p256dh=p256dh,
                               auth=auth, created_at=clock.now())
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "push.subscribe", row)
    else:
        row.user_id, row.session_id, row.p256dh, row.auth = actor.id, session_id, p256dh, auth
        db.session.flush()
    return row


def unsubscribe(actor: Any, endpoint: Any) -> None:
    """This browser stops getting push messages; another person's subscription is not found."""
    text = endpoint if isinstance(endpoint, str) else ""
    row = db.session.scalar(sa.select(PushSubscription).where(PushSubscription.endpoint == text))
    if row is None or actor is None or row.user_id != actor.id:
        raise NotFound(_("This browser gets no push messages."))
    audit.record(actor, "push.unsubscribe", row)
    db.session.delete(row)
    db.session.flush()


def deliver(recipient: Any, notification: Any) -> None:
    """The notifications area's push channel: one outbox row per device, in the caller's transaction."""
    for row in subscriptions_of(recipient.id):
        enqueue(DELIVER_KIND, {"subscription_id": row.id, "notification_id": notification.id},
                key=f"{notification.id}:{row.id}")


def message_for(notification: Any, user: Any) -> dict[str, str]:
    """What the device shows, in the recipient's language: the kind's line and the link it opens."""
    locale, zone = recipient_settings(user.locale, user.timezone)
    with rendering_for(locale, zone):
        try:
            body = notification_kind(notification.kind).describe(notification.params)
        except LookupError:
            body = _("Something happened on moocplatform.")
    return {"title": "moocplatform", "body": body, "link": notification.link or "/",
            "tag": f"notification-{notification.id}"}


def send_push(payload: dict[str, Any], _row: Any) -> None:
    """The outbox handler: send one notification to one device. Run again after a crash it may send twice,
    which the tag makes the device show once."""
    if not push_configured():
        raise PermanentFailure("push is not set up (no VAPID keys)")
    found = delivery_of(payload.get("subscription_id"), payload.get("notification_id"))
    if found is None:
        return  # the device unsubscribed, or the notification was erased with its account: nothing to send
    subscription, notification, user = found
    message = json.dumps(message_for(notification, user))
    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    subscription_id = subscription.id
    transaction.roll_back()  # no read transaction stays open while the push service answers
    try:
        webpush(info, message, vapid_private_key=signing_key(), vapid_claims={"sub": subject()},
                ttl=TIME_TO_LIVE, timeout=SEND_TIMEOUT_SECONDS)
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in GONE:
            log.info("push subscription %s is gone (%s): deleted", subscription_id, status)
            with transaction.unit_of_work("push subscription gone"):
                db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id == subscription_id))
            return
        if status is not None and 400 <= status < 500 and status != 429:
            raise PermanentFailure(f"the push service refused the message: {status}") from error
        raise
    with transaction.unit_of_work("push sent"):
        db.session.execute(sa.update(PushSubscription).where(PushSubscription.id == subscription_id)
                           .values(last_success_at=clock.now()))

