"""The one mail service. Services queue a mail with `queue_mail(to, template, **args)` in their transaction;
the outbox worker renders it at send time, in the recipient's language and time zone, and sends it over SMTP
when MAIL_SERVER is set, otherwise into a file outbox in instance/ plus the log.

A mail's Message-ID comes from its outbox row, so a send repeated after a crash is recognisable (and the file
outbox simply writes the same file again). A permanent SMTP refusal (5xx) is not retried; 4xx answers and
connection failures are.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from . import clock, ratelimit
from .accounts.models import User
from .extensions import db
from .i18n import recipient_settings, rendering_for
from .outbox import OutboxMessage, PermanentFailure, enqueue, register_kind
from .outbox.faults import fault_point
from .personal_data import register

log = logging.getLogger(__name__)

MAIL_KIND = "mail"
# A template renders (subject, body) from its arguments; it runs inside the recipient's locale and time zone.
MailTemplate = Callable[..., tuple[str, str]]
_templates: dict[str, MailTemplate] = {}


def mail_template(name: str) -> Callable[[MailTemplate], MailTemplate]:
    """Register a mail template under a name that queued mails refer to (areas keep theirs in mails.py)."""
    def register(template: MailTemplate) -> MailTemplate:
        if _templates.get(name, template) is not template:
            raise ValueError(f"mail template {name!r} is registered already")
        _templates[name] = template
        return template
    return register


def queue_mail(to: str, template: str, *, recipient_id: int | None = None, list_unsubscribe: str | None = None,
               **args: Any) -> OutboxMessage:
    """Queue a mail in the caller's transaction. `args` must be JSON values: the template is rendered at send
    time. The recipient's language and zone are those of `recipient_id`'s account, or of the account with the
    address `to`, or the platform's defaults. `list_unsubscribe` is the one-click address (RFC 8058) of mail
    the recipient may stop: it goes into the List-Unsubscribe headers that mail programs offer as a button."""
    if template not in _templates:
        raise ValueError(f"no mail template {template!r}")
    payload = {"to": to, "template": template, "args": args, "recipient_id": recipient_id}
    if list_unsubscribe:
        payload["list_unsubscribe"] = list_unsubscribe
    return enqueue(MAIL_KIND, payload)


def requested_mail_allowed(to: str, source: str | None) -> bool:
    """Whether a mail that anyone can ask for (a reset link, a confirmation link, "you have an account") may be
    sent now: a few per recipient and a few more per requesting address in each window, so that a script cannot
    turn the platform into a mail cannon against one inbox, nor spray many. The caller drops a refused mail
    quietly: the page must look the same either way."""
    config = current_app.config
    window = config["REQUESTED_MAIL_WINDOW_SECONDS"]
    limits = [(f"mail-to:{to.strip().lower()}", config["REQUESTED_MAIL_PER_RECIPIENT"], window)]
    if source:
        limits.append((f"mail-from:{source}", config["REQUESTED_MAIL_PER_SOURCE"], window))
    if ratelimit.within_all(*limits):
        return True
    log.info("requested mail not sent: rate limit reached")
    return False


def _recipient_preferences(payload: dict[str, Any]) -> tuple[str, str]:
    query = sa.select(User.locale, User.timezone)
    if payload.get("recipient_id"):
        query = query.where(User.id == payload["recipient_id"])
    else:
        query = query.where(User.email == payload["to"], User.status != "deleted")
    row = db.session.execute(query.limit(1)).first()
    return recipient_settings(row.locale if row else None, row.timezone if row else None)


def render_queued_mail(payload: dict[str, Any]) -> tuple[str, str]:
    template = _templates.get(payload.get("template", ""))
    if template is None:
        raise PermanentFailure(f"no mail template {payload.get('template')!r}")
    locale, zone = _recipient_preferences(payload)
    with rendering_for(locale, zone):
        return template(**payload.get("args", {}))


def build_message(to: str, subject: str, body: str, message_id: str, *,
                  list_unsubscribe: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = clock.now()
    message["Message-ID"] = message_id
    if list_unsubscribe:
        # RFC 8058: the mail program posts "List-Unsubscribe=One-Click" to the address, with no cookie and no
        # form; the secret in the address is the proof (notifications.unsubscribe answers that post).
        message["List-Unsubscribe"] = f"<{list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    return message


def send_queued_mail(payload: dict[str, Any], row: OutboxMessage) -> None:
    """The outbox handler of the kind "mail"."""
    subject, body = render_queued_mail(payload)
    message = build_message(payload["to"], subject, body, row.message_id,
                            list_unsubscribe=payload.get("list_unsubscribe"))
    fault_point("before-side-effect")
    transmit(message, file_name=f"{row.created_at:%Y%m%dT%H%M%S%f}-{row.id:010d}.eml")


def readable_bytes(message: EmailMessage) -> bytes:
    """The message as a file a person opens in a text editor: UTF-8 headers and an unencoded body, so that
    links are not broken by quoted-printable soft line breaks (mail clients read the file all the same)."""
    copy = EmailMessage()
    for name, value in message.items():
        if name.lower() not in ("content-type", "content-transfer-encoding", "mime-version"):
            copy[name] = value
    copy.set_content(message.get_content(), cte="8bit")
    return copy.as_bytes(policy=email_policy.default.clone(utf8=True))


def transmit(message: EmailMessage, *, file_name: str) -> None:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / file_name).write_bytes(readable_bytes(message))
        # Not the body: its links (confirmation, password reset) are secrets, and logs travel further than
        # the outbox folder does.
        log.info("mail to %s: %s (outbox file %s)", message["To"], message["Subject"], file_name)
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        if all(500 <= code < 600 for code, _ in error.recipients.values()):
            raise PermanentFailure(f"the server refused the recipient: {error.recipients}") from error
        raise
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            raise PermanentFailure(f"SMTP {error.smtp_code}: {error.smtp_error!r}") from error
        raise  # 4xx: the server asks us to try again later


register_kind(MAIL_KIND, send_queued_mail, max_attempts=8)


def _mails_to(user: User) -> sa.ColumnElement[bool]:
    return sa.and_(OutboxMessage.kind == MAIL_KIND, sa.or_(
        OutboxMessage.payload["to"].as_string() == user.email,
        OutboxMessage.payload["recipient_id"].as_integer() == user.id))


def _export_mails(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(sa.select(OutboxMessage).where(_mails_to(user)).order_by(OutboxMessage.id))
    return [{"template": row.payload.get("template"), "to": row.payload.get("to"), "status": row.status,
             "created_at": row.created_at.isoformat(), "sent_at": row.done_at.isoformat() if row.done_at else None}
            for row in rows]


register(OutboxMessage, section="mails", rule="delete", export=_export_mails,
         erase=lambda user: db.session.execute(sa.delete(OutboxMessage).where(_mails_to(user)),
                                               execution_options={"synchronize_session": False}),
         reason="mails to an erased account are neither kept nor sent")


def outbox_messages(outbox_dir: str) -> list[EmailMessage]:
    """Messages in the file outbox, oldest first (used by tests and the development log)."""
    from email import message_from_bytes, policy

    paths = sorted(Path(outbox_dir).glob("*.eml"))
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]
