"""The one mail service: SMTP when MAIL_SERVER is set, otherwise a file outbox in instance/ plus the log."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

from . import clock

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = clock.now()
    message["Message-ID"] = make_msgid(domain="moocplatform")
    message.set_content(body)
    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{clock.now():%Y%m%dT%H%M%S%f}-{message['Message-ID'].strip('<>').split('@')[0]}.eml"
        (outbox / name).write_bytes(bytes(message))
        log.info("mail to %s: %s (outbox file %s)\n%s", to, subject, name, body)
    return message


def outbox_messages(outbox_dir: str) -> list[EmailMessage]:
    """Messages in the file outbox, oldest first (used by tests and the development log)."""
    from email import message_from_bytes, policy

    paths = sorted(Path(outbox_dir).glob("*.eml"))
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]
