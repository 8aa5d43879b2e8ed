"""The portfolio's public page as something a learner shares with an application to an opportunity: the apply
form offers it, and the employer's list of applications names it. The employer then sees exactly what the
public page shows, and loses it when the learner withdraws the link."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext as _

from ..urls import public_url
from .queries import current_public_link


def _links_of(learner: Any) -> list[tuple[str, str]]:
    link = current_public_link(learner)
    return [(link.url, _("My public portfolio"))] if link is not None else []


def _recognises(url: str) -> bool:
    prefix = public_url("portfolio.public_page", secret="x").removesuffix("x")
    return url.startswith(prefix)


def register_sharing(app: Flask) -> None:
    if "opportunities" not in app.config["INSTALLED_AREAS"]:
        return
    from ..opportunities.attachments import ApplicationAttachment, register_application_attachment

    register_application_attachment(app, ApplicationAttachment(
        "portfolio", label=lambda: _("Public portfolio"), links_of=_links_of, recognises=_recognises))
