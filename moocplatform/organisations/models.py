"""Organisations: universities, companies, VET centres, NGOs and employers that take part in the platform.

Who belongs to an organisation is not stored here: its admins and members hold role grants scoped to it
(`role_grants` with scope_type 'organisation' and the roles of ORGANISATION_ROLES), as a cohort's
facilitators do for a cohort. Who created or approved an organisation is in the audit log."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..stored_enum import stored_enum


class OrganisationKind(StrEnum):
    UNIVERSITY = "university"
    COMPANY = "company"
    VET_CENTRE = "vet_centre"
    NGO = "ngo"
    EMPLOYER = "employer"


class Approval(StrEnum):
    """Whether an employer may post opportunities: an administrator approves it, and may withdraw that."""

    PENDING = "pending"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


class OrganisationRole(StrEnum):
    ADMIN = "org_admin"  # manages the organisation's members, and is a member
    MEMBER = "org_member"


ORGANISATION_ROLES = tuple(role.value for role in OrganisationRole)


class Organisation(Model):
    __tablename__ = "organisations"
    __table_args__ = (sa.CheckConstraint("length(country) = 2", name="country_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)  # stable: URLs and packs name it
    name: Mapped[str] = mapped_column(sa.String(200))  # what pages show
    legal_name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[OrganisationKind] = mapped_column(stored_enum(OrganisationKind, column="kind", length=16))
    country: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    approval: Mapped[Approval] = mapped_column(stored_enum(Approval, column="approval", length=16),
                                               default=Approval.PENDING)
    approval_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    @property
    def may_post_opportunities(self) -> bool:
        return self.kind == OrganisationKind.EMPLOYER and self.approval == Approval.APPROVED
