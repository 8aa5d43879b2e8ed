"""Organisations and opportunities for tests, made through the services the application uses."""
from __future__ import annotations

import itertools
from datetime import timedelta

from moocplatform import clock
from moocplatform.extensions import db
from moocplatform.opportunities.services import OpportunityFields, create_opportunity
from moocplatform.organisations.services import (
    OrganisationFields,
    add_member,
    approve_organisation,
    create_organisation,
)
from tests.factories import make_user

_counter = itertools.count(1)


def make_organisation(*, kind: str = "employer", approved: bool = True, slug: str | None = None,
                      name: str | None = None, admin=None):
    """An organisation created by a platform administrator (made for it), approved when it is an employer."""
    n = next(_counter)
    admin = admin or make_user("admin")
    organisation = create_organisation(admin, slug or f"org-{n}", OrganisationFields(
        name=name or f"Employer {n}", legal_name=f"Employer {n} GmbH", kind=kind, country="DE"))
    if approved and kind == "employer":
        approve_organisation(admin, organisation)
    db.session.flush()
    return organisation


def make_member(organisation, role: str = "org_member", **user_options):
    """A new account holding a role in the organisation (added by a platform administrator)."""
    user = make_user(**user_options)
    add_member(make_user("admin"), organisation, user.email, role)
    db.session.flush()
    return user


def posting_fields(**changes) -> OpportunityFields:
    values = dict(title="Junior data analyst", kind="job", closes_on=clock.now().date() + timedelta(days=30),
                  description="Work with **data**.", place="Berlin", remote=False,
                  competences=["Managing learning", "Teamwork"], course_ids=[])
    return OpportunityFields(**{**values, **changes})


def make_opportunity(organisation=None, member=None, *, publish: bool = True, **changes):
    """An opportunity of an approved employer, posted by one of its members (both made when not given)."""
    organisation = organisation or make_organisation()
    member = member or make_member(organisation)
    opportunity = create_opportunity(member, organisation, posting_fields(**changes), publish=publish)
    db.session.flush()
    return opportunity
