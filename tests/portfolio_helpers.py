"""Portfolios for tests, made through the portfolio's services."""
from __future__ import annotations

from moocplatform.portfolio import services
from tests.assignment_helpers import PDF


def written(owner, title="My first care plan", body="I *planned* a morning routine."):
    return services.write_entry(owner, owner, title=title, body=body)


def uploaded(owner, name="plan.pdf", data=PDF, title=""):
    return services.upload_file(owner, owner, name=name, data=data, title=title)


def published(owner, *entries):
    """The owner's public page showing these entries, with a live link; returns the link."""
    services.set_public_page(owner, owner, headline="Care assistant", intro="Hello, *employers*.",
                             public_entry_ids=[e.id for e in entries])
    return services.publish_link(owner, owner)
