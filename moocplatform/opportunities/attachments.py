"""What a learner can share with an application besides their message: a link, such as their public
portfolio page. The application stores the link itself (`Application.shared_link`); an area that makes such
links registers an ApplicationAttachment, so that the apply form offers the learner's own links and the
employer's list says what a link is. This area imports no such area: they register here in their init_app.

    register_application_attachment(app, ApplicationAttachment(
        "portfolio", label=lambda: _("Public portfolio"),
        links_of=lambda learner: [(url, title), ...],  # the learner's live public links, newest first
        recognises=lambda url: url.startswith(".../portfolio/"),
    ))

Without any registration an applicant may still paste a web address (http or https) of their own.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from ..registry import Registry


@dataclass(frozen=True)
class ApplicationAttachment:
    name: str
    label: Callable[[], str]  # what the employer sees beside a link of this kind, in the reader's language
    links_of: Callable[[Any], list[tuple[str, str]]]  # the applicant's shareable links: (url, title)
    recognises: Callable[[str], bool] = field(default=lambda url: False)


attachments: Registry[ApplicationAttachment] = Registry("application attachments")


def register_application_attachment(app: Flask, attachment: ApplicationAttachment) -> ApplicationAttachment:
    return attachments.register(app, attachment)


def offered_links(app: Flask | None, learner: Any) -> list[tuple[str, str, str]]:
    """(url, title, kind label) of every link a registered attachment offers the learner."""
    return [(url, title, attachment.label())
            for attachment in attachments.entries(app) for url, title in attachment.links_of(learner)]


def kind_of_link(app: Flask | None, url: str) -> str | None:
    """The label of the attachment that made this link, or None for a link the learner pasted."""
    return next((a.label() for a in attachments.entries(app) if url and a.recognises(url)), None)
