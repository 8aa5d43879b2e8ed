"""Announcements: what a course's team says to everyone enrolled, or a cohort's facilitators (of a course's
cohort or of a programme's) to their cohort or to one of its teams (an announcement to a team goes with the
team when it is deleted or formed again). The text keeps the Markdown it was written in and the HTML sanitised
when written; `told` counts the people the delivery reached so far (it goes out in batches, through the
outbox)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class Announcement(Model):
    __tablename__ = "announcements"
    __table_args__ = (sa.UniqueConstraint("author_id", "request_key"),
                      sa.Index("ix_announcements_course_created", "course_id", "created_at"),
                      # A team's announcement names its cohort too, and the team must be that cohort's.
                      sa.ForeignKeyConstraint(["team_id", "cohort_id"], ["cohort_teams.id", "cohort_teams.cohort_id"],
                                              ondelete="CASCADE"),
                      sa.CheckConstraint("team_id IS NULL OR cohort_id IS NOT NULL", name="team_in_cohort"),
                      # A programme's cohort has no course: its announcements name the cohort only.
                      sa.CheckConstraint("course_id IS NOT NULL OR cohort_id IS NOT NULL", name="course_or_cohort"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: to a programme's cohort (or one of its teams), which has no course.
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    # A cohort's announcement goes to its members only; None: to everyone enrolled in the course.
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    # To one team of that cohort only; None: to the whole cohort (or course).
    team_id: Mapped[int | None] = mapped_column(index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body_source: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    told: Mapped[int] = mapped_column(default=0)  # people notified so far
    delivered_at: Mapped[datetime | None]  # when the last batch went out
    # The form's one-time key: a form sent twice makes one announcement.
    request_key: Mapped[str | None] = mapped_column(sa.String(64))
