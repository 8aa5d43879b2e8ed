"""Cohorts: a group of learners led by one or more facilitators through a course, on dates of its own.

Who leads a cohort is not stored here: a facilitator of a cohort holds a role grant scoped to it
(`role_grants` with scope_type 'cohort'), so the access context and `policy.relations_for` know them like any
other staff role. Who created a cohort is in the audit log."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db
from ..personal_data import register, register_owned, rows_as_dicts
from ..stored_enum import stored_enum


class MembershipStatus(StrEnum):
    MEMBER = "member"
    WAITING = "waiting"  # the cohort was full: a seat is offered when one frees up, in joining order


class Programme(Model):
    """A group's programme over any online content: a title, a description and competences, and no pack of
    its own. Its cohorts' plans are external items and live sessions. Owned by an organisation, or by nobody
    (then its creator and the platform's administrators edit it)."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(16))
    # [{name, framework, code}]: a framework reference ("EntreComp 1.1") or a free tag (framework, code None),
    # resolved as the opportunities area resolves a posting's competences.
    competences: Mapped[list[Any]] = mapped_column(default=list)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Cohort(Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        # A cohort goes through a course or through a programme, never both.
        sa.CheckConstraint("(course_id IS NULL) <> (programme_id IS NULL)", name="course_or_programme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Every query of a course's cohorts joins or filters on course_id, so programme cohorts (course_id NULL)
    # never appear among them.
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
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
    # When the dashboard lists a learner as at risk: no activity for this many days, behind the plan by more
    # than this many modules, or this many failed attempts at one quiz.
    risk_inactive_days: Mapped[int] = mapped_column(default=7, server_default="7")
    risk_modules_behind: Mapped[int] = mapped_column(default=1, server_default="1")
    risk_failed_attempts: Mapped[int] = mapped_column(default=2, server_default="2")
    # Completing the course asks, of this cohort's learners, a facilitator's sign-off (cohorts.criteria).
    requires_sign_off: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Peer reviews are anonymous to the reviewed learner unless the cohort names the reviewers (assignments).
    names_peer_reviewers: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class CohortMembership(Model):
    __tablename__ = "cohort_memberships"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[MembershipStatus] = mapped_column(stored_enum(MembershipStatus, column="status", length=16))
    joined_at: Mapped[datetime]  # for the waiting list: when they asked for a seat


class CohortInvitation(Model):
    """An address a facilitator added to the cohort that had no account: it was mailed the join link once, and the
    account registered with it may join even a closed cohort."""

    __tablename__ = "cohort_invitations"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class PlanItemKind(StrEnum):
    WEEK = "week"  # a module of the pack, released and due on the cohort's dates
    LIVE_SESSION = "live_session"  # a session at a set time, in the cohort's time zone
    EXTERNAL = "external"  # any URL with instructions; learners mark it done


class PlanItem(Model):
    """One item of a cohort's plan ("structure the work"), pre-filled from the pack and edited by its
    facilitators. Times are stored in UTC and shown in the cohort's time zone."""

    __tablename__ = "cohort_plan_items"
    __table_args__ = (sa.Index("ix_cohort_plan_items_cohort_position", "cohort_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    kind: Mapped[PlanItemKind] = mapped_column(stored_enum(PlanItemKind, column="kind", length=16))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    module_key: Mapped[str | None] = mapped_column(sa.String(64))  # a week's module; the module a session is in
    unit_key: Mapped[str | None] = mapped_column(sa.String(64))  # the pack unit a live session comes from
    releases_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    starts_at: Mapped[datetime | None]  # live sessions
    minutes: Mapped[int | None]  # live sessions
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    agenda: Mapped[list[Any]] = mapped_column(default=list)  # [{title, minutes, grouping}] from the pack's steps
    url: Mapped[str] = mapped_column(sa.String(1000), default="")  # external items
    instructions: Mapped[str] = mapped_column(sa.Text, default="")


class PlanItemDone(Model):
    """A learner marked an external plan item done."""

    __tablename__ = "cohort_plan_items_done"
    __table_args__ = (sa.UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort_plan_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    done_at: Mapped[datetime]


class SignOff(Model):
    """A facilitator signed a learner of the cohort off: the completion rule `cohort_sign_off` is met for
    them. Withdrawn (the row deleted, the reason in the audit log) only while the course is not completed."""

    __tablename__ = "cohort_sign_offs"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(sa.Text, default="")


class DueExtension(Model):
    """A facilitator gave one seated learner a later due date for one item of the plan (a week or an external
    item); the reason is in the row and in the audit log. Withdrawn by deleting the row."""

    __tablename__ = "cohort_due_extensions"
    __table_args__ = (sa.UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort_plan_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime]
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.String(500))


class Attendance(Model):
    """A learner was at a live session of the cohort's plan, or was excused from it (`excused`), as its
    facilitator recorded. No row: absent."""

    __tablename__ = "cohort_session_attendance"
    __table_args__ = (sa.UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort_plan_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]
    excused: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class HandCompletion(Model):
    """A unit a facilitator of the cohort marked complete for one of its learners (work done offline, or a
    completion that did not register), with why. The completion itself is the learner's UnitProgress; this row
    says it came by hand, so that the facilitator may take it back."""

    __tablename__ = "cohort_hand_completions"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_key: Mapped[str] = mapped_column(sa.String(64))
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.Text, default="")


class ReminderSent(Model):
    """A reminder the worker sent a cohort's learner, by what it was about (`key`: "session_day:<item>",
    "session_hour:<item>", "due:<item>", "inactive:<date of the last activity>"), or a quiet spell of theirs
    it reported to the cohort's facilitators ("told_facilitators:<date of the last activity>"), so that none is
    sent twice."""

    __tablename__ = "cohort_reminders_sent"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    sent_at: Mapped[datetime]



class Team(Model):
    """A team inside a cohort, formed by its facilitators by hand or balanced by size and time zone; it has a
    discussion space of its own (cohorts.spaces, the membership kind "team"). Ids are never reused (SQLite's
    AUTOINCREMENT), so a new team cannot inherit the discussion space of a deleted one."""

    __tablename__ = "cohort_teams"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "name"), sa.UniqueConstraint("id", "cohort_id"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime]


class TeamMembership(Model):
    """A learner of the cohort in one of its teams: at most one team per cohort (the cohort is repeated here,
    and must be the team's, so that the database holds both rules)."""

    __tablename__ = "cohort_team_memberships"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "user_id"),
        sa.ForeignKeyConstraint(["team_id", "cohort_id"], ["cohort_teams.id", "cohort_teams.cohort_id"],
                                ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(index=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime]

register_owned(Attendance, section="cohort_session_attendance", exclude=("recorded_by_id",),
               reason="the live sessions of a cohort a learner attended, as their facilitator recorded")
register_owned(HandCompletion, section="cohort_hand_completions", exclude=("completed_by_id",),
               reason="the units a learner's facilitator marked complete for them by hand, with why")
register_owned(ReminderSent, section="cohort_reminders_sent",
               reason="which reminders of a cohort's sessions, due dates and quiet spells a learner was sent, "
                      "and which of their quiet spells their facilitators were told of")
register_owned(SignOff, section="cohort_sign_offs",
               reason="the facilitators' sign-offs of a learner's work in a cohort, with their notes")
register_owned(DueExtension, section="cohort_due_extensions", exclude=("granted_by_id",),
               reason="the later due dates a learner's facilitators gave them for items of a cohort's plan, "
                      "with their reasons")
register_owned(PlanItemDone, section="cohort_plan_items_done",
               reason="the external items of a cohort's plan a learner marked done")
register_owned(CohortMembership, section="cohort_memberships",
               reason="the cohorts a learner belongs to or waits for")
register_owned(CohortInvitation, section="cohort_invitations", owner="email", exclude=("invited_by_id",),
               reason="the cohorts a facilitator invited this address to before it had an account")
register_owned(TeamMembership, section="cohort_team_memberships",
               reason="the team of a cohort a learner is in, which its facilitators formed or moved them to")


def _forget_programme_author(user) -> None:
    db.session.execute(sa.update(Programme).where(Programme.created_by_id == user.id).values(created_by_id=None))


register(
    Programme, section="programmes_created", rule="anonymise",
    export=lambda user: rows_as_dicts(Programme, Programme.created_by_id == user.id),
    erase=_forget_programme_author,
    reason="a programme stays for its cohorts, without the account that created it",
)
