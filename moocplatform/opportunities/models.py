"""Opportunities that approved employers post (jobs, internships, apprenticeships, projects), the
competences they ask for, learners' applications, reports of postings and facilitators' recommendations."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from ..personal_data import delete_rows, register, register_owned, rows_as_dicts
from ..stored_enum import stored_enum


class OpportunityKind(StrEnum):
    JOB = "job"
    INTERNSHIP = "internship"
    APPRENTICESHIP = "apprenticeship"
    PROJECT = "project"


class OpportunityStatus(StrEnum):
    DRAFT = "draft"  # the posting organisation's only
    OPEN = "open"  # listed; learners apply
    CLOSED = "closed"  # its closing date passed, or the employer closed it: readable, no applications
    WITHDRAWN = "withdrawn"  # by the employer
    REMOVED = "removed"  # by a moderator


# An opportunity ended (closed, withdrawn, removed) at ended_at; its applications are deleted a set time later.
ENDED = (OpportunityStatus.CLOSED, OpportunityStatus.WITHDRAWN, OpportunityStatus.REMOVED)


class ApplicationStatus(StrEnum):
    RECEIVED = "received"
    REVIEWING = "reviewing"
    SHORTLISTED = "shortlisted"
    DECLINED = "declined"
    OFFERED = "offered"


class Opportunity(Model):
    __tablename__ = "opportunities"
    __table_args__ = (sa.Index("ix_opportunities_status_closes_on", "status", "closes_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown as written
    description_html: Mapped[str] = mapped_column(sa.Text, default="")  # through html.render_user_markdown
    kind: Mapped[OpportunityKind] = mapped_column(stored_enum(OpportunityKind, column="kind", length=16))
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    remote: Mapped[bool] = mapped_column(default=False)
    closes_on: Mapped[date]  # the last day to apply
    status: Mapped[OpportunityStatus] = mapped_column(stored_enum(OpportunityStatus, column="status", length=16),
                                                      default=OpportunityStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    open_reports: Mapped[int] = mapped_column(default=0, server_default="0")  # for the moderation queue

    competences: Mapped[list[OpportunityCompetence]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OpportunityCompetence.position")
    courses: Mapped[list[OpportunityCourse]] = relationship(lazy="raise", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status == OpportunityStatus.OPEN


class OpportunityCompetence(Model):
    """A competence the posting asks for: one of the courses' framework competences (framework and code set,
    matched by them), or a free tag (matched by name with the courses' competences)."""

    __tablename__ = "opportunity_competences"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(80), index=True)
    framework: Mapped[str | None] = mapped_column(sa.String(64))
    code: Mapped[str | None] = mapped_column(sa.String(32))

    @property
    def reference(self) -> str | None:
        """"EntreComp 1.1" for a framework competence."""
        return f"{self.framework} {self.code}" if self.framework and self.code else None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.reference})" if self.reference else self.name


class OpportunityCourse(Model):
    """A course the posting names as teaching what it asks."""

    __tablename__ = "opportunity_courses"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)


class Application(Model):
    """A learner's application: one per learner and posting (a second submit finds the first)."""

    __tablename__ = "opportunity_applications"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    # A link the learner shares with the employer (a public portfolio page, see attachments.py), or "".
    shared_link: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[ApplicationStatus] = mapped_column(stored_enum(ApplicationStatus, column="status", length=16),
                                                      default=ApplicationStatus.RECEIVED)
    created_at: Mapped[datetime]
    status_changed_at: Mapped[datetime | None]


class OpportunityReport(Model):
    """Someone signed in reported a posting to the moderators (once per person and posting)."""

    __tablename__ = "opportunity_reports"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class OpportunityRecommendation(Model):
    """A facilitator recommended the posting to a learner of their cohort: one row (and one notification)
    per learner and posting, however often it is recommended."""

    __tablename__ = "opportunity_recommendations"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    recommended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                          index=True)
    created_at: Mapped[datetime]


# Personal data ----------------------------------------------------------------------------------------------

register_owned(Application, section="opportunity_applications",
               reason="applications end with the account; every application is also deleted "
                      "OPPORTUNITY_APPLICATION_RETENTION_DAYS days after its posting closed")
register_owned(OpportunityReport, section="opportunity_reports", owner="reporter_id",
               reason="reports of postings end with the account")


def _erase_recommendations(user) -> None:
    delete_rows(OpportunityRecommendation, OpportunityRecommendation.user_id == user.id)
    db.session.execute(sa.update(OpportunityRecommendation).where(
        OpportunityRecommendation.recommended_by_id == user.id).values(recommended_by_id=None))


register(
    OpportunityRecommendation, section="opportunity_recommendations", rule="delete",
    export=lambda user: rows_as_dicts(OpportunityRecommendation, sa.or_(
        OpportunityRecommendation.user_id == user.id, OpportunityRecommendation.recommended_by_id == user.id)),
    erase=_erase_recommendations,
    reason="the postings recommended to the learner go with the account; those they recommended to others "
           "stay, without them",
)


def _forget_author(user) -> None:
    db.session.execute(sa.update(Opportunity).where(Opportunity.created_by_id == user.id).values(created_by_id=None))


register(
    Opportunity, section="opportunities_posted", rule="anonymise",
    export=lambda user: rows_as_dicts(Opportunity, Opportunity.created_by_id == user.id),
    erase=_forget_author,
    reason="a posting belongs to its organisation: it stays, without the member who wrote it",
)
