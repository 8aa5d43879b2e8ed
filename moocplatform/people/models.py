"""People: a learner's public profile (what co-learners may see of them, and whether they may write to them),
the people a learner blocked, and reports of profiles to the administrators.

The name and the short bio stay on the account (`users.display_name`, `users.bio`); a profile adds what only
a public profile needs. Nobody has a profile row until they change a setting: no row reads as the defaults
(hidden, no messages from co-learners)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..stored_enum import stored_enum


class ProfileVisibility(StrEnum):
    HIDDEN = "hidden"  # only the learner, their course staff and administrators see it
    COURSE_MATES = "course_mates"  # people who share an active course (and so a cohort) with the learner


class ReportOutcome(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"  # an administrator found nothing wrong
    PROFILE_HIDDEN = "profile_hidden"  # an administrator hid the profile


class Profile(Model):
    __tablename__ = "people_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    visibility: Mapped[ProfileVisibility] = mapped_column(
        stored_enum(ProfileVisibility, column="visibility", length=16), default=ProfileVisibility.HIDDEN)
    # Co-learners may open a private conversation with me (only when they allow it too).
    allow_messages: Mapped[bool] = mapped_column(default=False)
    links: Mapped[list[Any]] = mapped_column(default=list)  # http(s) URLs, a few
    updated_at: Mapped[datetime]


class Block(Model):
    """blocker no longer hears from blocked: blocked cannot see the blocker's profile nor write to them."""

    __tablename__ = "people_blocks"
    __table_args__ = (sa.UniqueConstraint("blocker_id", "blocked_id"),
                      sa.CheckConstraint("blocker_id <> blocked_id", name="not_self"))

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    blocked_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class ProfileReport(Model):
    """Someone told the administrators that a profile is abusive. Resolved with the outcome and who decided."""

    __tablename__ = "people_profile_reports"
    __table_args__ = (sa.UniqueConstraint("subject_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime]
    outcome: Mapped[ReportOutcome] = mapped_column(stored_enum(ReportOutcome, column="outcome", length=16),
                                                   default=ReportOutcome.OPEN, index=True)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
