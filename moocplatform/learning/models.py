"""Learner data. It refers to a course and a unit's stable key, never to a content version's rows."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..personal_data import register_owned
from ..stored_enum import stored_enum


class EnrollmentStatus(StrEnum):
    active = "active"
    left = "left"  # the learner left the course; enrolling again makes the same row active


class Enrollment(Model):
    __tablename__ = "enrollments"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrollmentStatus] = mapped_column(stored_enum(EnrollmentStatus, column="status", length=16),
                                                     default=EnrollmentStatus.active)
    enrolled_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    last_unit_key: Mapped[str | None] = mapped_column(sa.String(64))
    last_visited_at: Mapped[datetime | None]

    course = relationship("Course", lazy="raise")

    @property
    def is_active(self) -> bool:
        return self.status == EnrollmentStatus.active


class UnitProgress(Model):
    __tablename__ = "unit_progress"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    unit_key: Mapped[str] = mapped_column(sa.String(64))
    first_viewed_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class Invitation(Model):
    """An invitation to an invitation-only course, addressed to an e-mail address."""

    __tablename__ = "invitations"
    __table_args__ = (sa.UniqueConstraint("course_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]


register_owned(Enrollment, section="enrolments",
               reason="private learning data")
register_owned(UnitProgress, section="progress",
               reason="private learning data")
register_owned(Invitation, section="invitations", owner="email",
               reason="invitations addressed to the user; those they sent keep a de-personalised inviter")


class CourseCompletion(Model):
    """A learner reached the course's completion rules. Never taken back by later content versions."""

    __tablename__ = "course_completions"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime]
    version: Mapped[str] = mapped_column(sa.String(32))  # the content version the rules were met under


register_owned(CourseCompletion, section="completions",
               reason="private learning data (certificates, when they come, keep their own de-personalised record)")
