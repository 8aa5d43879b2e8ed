"""Cohorts: a group of learners led by one or more facilitators through a course, on dates of its own.

Who leads a cohort is not stored here: a facilitator of a cohort holds a role grant scoped to it
(`role_grants` with scope_type 'cohort'), so the access context and `policy.relations_for` know them like any
other staff role. Who created a cohort is in the audit log."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..personal_data import register_owned
from ..stored_enum import stored_enum


class MembershipStatus(StrEnum):
    MEMBER = "member"
    WAITING = "waiting"  # the cohort was full: a seat is offered when one frees up, in joining order


class Cohort(Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(16))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    capacity: Mapped[int | None]  # None: no limit
    is_open: Mapped[bool] = mapped_column(default=True)  # open: listed on the course page, anyone may join
    join_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_at: Mapped[datetime]


class CohortMembership(Model):
    __tablename__ = "cohort_memberships"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[MembershipStatus] = mapped_column(stored_enum(MembershipStatus, column="status", length=16))
    joined_at: Mapped[datetime]  # for the waiting list: when they asked for a seat


register_owned(CohortMembership, section="cohort_memberships",
               reason="the cohorts a learner belongs to or waits for")
