"""Work that learners hand in for the assignments packs declare on activity units (`units.assignment`).

A submission is one learner's work for one assignment, by the unit's stable id (as progress is), so a new
content version keeps it. Each hand-in is a numbered version of it: the last version not yet submitted is the
draft; a resubmission after "needs revision" starts a new version, and the earlier ones stay as its history.
Assessments score one version against the rubric of the content version it was handed in under.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import JSONType
from ..extensions import Model, db
from ..personal_data import delete_rows, register, register_owned, rows_as_dicts
from ..stored_enum import stored_enum


class SubmissionStatus(StrEnum):
    draft = "draft"  # never submitted
    submitted = "submitted"  # waiting for its assessment
    needs_revision = "needs_revision"  # the learner may hand in a new version
    accepted = "accepted"  # final; feeds completion


class AssessorRole(StrEnum):
    self = "self"
    facilitator = "facilitator"
    peer = "peer"


class Decision(StrEnum):
    accepted = "accepted"
    needs_revision = "needs_revision"


class Submission(Model):
    __tablename__ = "assignment_submissions"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id", "unit_key"),
        sa.Index("ix_assignment_submissions_course_id_status_submitted_at", "course_id", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    unit_key: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[SubmissionStatus] = mapped_column(stored_enum(SubmissionStatus, column="status", length=16),
                                                     default=SubmissionStatus.draft)
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]  # of the latest submitted version: the queue's order
    # A hand-in after the cohort's due date (the cohorts area sets due dates; self-paced work is never late).
    late: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None]


class SubmissionVersion(Model):
    __tablename__ = "assignment_submission_versions"
    __table_args__ = (sa.UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment_submissions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, ... per submission
    # The content version whose assignment (instructions, rubric) it answers.
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown as written
    text_html: Mapped[str] = mapped_column(sa.Text, default="")  # sanitised by html.py when saved
    link: Mapped[str] = mapped_column(sa.String(2000), default="")
    saved_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]  # None: the draft

    @property
    def is_draft(self) -> bool:
        return self.submitted_at is None


class SubmissionFile(Model):
    """A file handed in with a version; the bytes are in storage ("submissions" namespace) under a random key
    that a resubmission's copy of the row shares."""

    __tablename__ = "assignment_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment_submission_versions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(128), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime]


class Assessment(Model):
    """A rubric scoring of one version: by the learner (self), course staff (with a decision) or a peer."""

    __tablename__ = "assignment_assessments"
    __table_args__ = (sa.Index("ix_assignment_assessments_version_id_role", "version_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment_submission_versions.id", ondelete="CASCADE"))
    assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    role: Mapped[AssessorRole] = mapped_column(stored_enum(AssessorRole, column="role", length=16))
    scores: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # criterion id -> points
    points: Mapped[int]
    max_points: Mapped[int]
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    feedback_html: Mapped[str] = mapped_column(sa.Text, default="")
    decision: Mapped[Decision | None] = mapped_column(stored_enum(Decision, column="decision", length=16))
    created_at: Mapped[datetime]


class PeerAllocation(Model):
    """One learner asked to review one handed-in version of a peer's work; done once `completed_at` is set.

    Due REVIEW_DAYS after `allocated_at`; one the reviewer has not opened (`started_at`) within START_DAYS is
    released (`released_at`) and given to another learner, and leaves the reviewer's list."""

    __tablename__ = "assignment_peer_allocations"
    __table_args__ = (sa.UniqueConstraint("version_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment_submission_versions.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    allocated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]  # when the reviewer first opened the work
    released_at: Mapped[datetime | None]  # taken back, not started in time: someone else reviews it
    completed_at: Mapped[datetime | None]
    assessment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assignment_assessments.id", ondelete="SET NULL"))


class ReviewFlag(Model):
    """The reviewed learner's word that a peer's review of their work is unfair, for the course's staff: a
    staff decision on the work settles it (`resolved_at`)."""

    __tablename__ = "assignment_review_flags"
    __table_args__ = (sa.UniqueConstraint("assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment_assessments.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment_submissions.id", ondelete="CASCADE"), index=True)
    flagged_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


# Personal data -------------------------------------------------------------------------------------------------

STORAGE_NAMESPACE = "submissions"


def delete_stored_files_after_commit(keys: set[str]) -> None:
    """Files go once the rows that name them are gone for good: never when the transaction rolls back."""
    if not keys:
        return
    from .. import transaction
    from ..storage import storage_for

    store = storage_for(STORAGE_NAMESPACE)  # resolved now, inside the app context
    def delete() -> None:
        for key in sorted(keys):
            store.delete(key)

    transaction.after_commit(delete)


def _export_submissions(user: Any) -> list[dict[str, Any]]:
    found = []
    for submission in rows_as_dicts(Submission, Submission.user_id == user.id):
        versions = rows_as_dicts(SubmissionVersion, SubmissionVersion.submission_id == submission["id"])
        for version in versions:
            version["files"] = rows_as_dicts(SubmissionFile, SubmissionFile.version_id == version["id"],
                                             exclude=("storage_key",))
            version["assessments"] = rows_as_dicts(Assessment, Assessment.version_id == version["id"],
                                                   exclude=("assessor_id",))
        found.append({**submission, "versions": versions})
    return found


def _erase_files(user: Any) -> None:
    keys = set(db.session.scalars(sa.select(SubmissionFile.storage_key).where(SubmissionFile.user_id == user.id)))
    delete_rows(SubmissionFile, SubmissionFile.user_id == user.id)
    delete_stored_files_after_commit(keys)


def _erase_submissions(user: Any) -> None:
    versions = sa.select(SubmissionVersion.id).join(Submission, Submission.id == SubmissionVersion.submission_id) \
        .where(Submission.user_id == user.id)
    _erase_files(user)
    delete_rows(PeerAllocation, PeerAllocation.version_id.in_(versions))
    delete_rows(ReviewFlag, ReviewFlag.submission_id.in_(
        sa.select(Submission.id).where(Submission.user_id == user.id)))
    delete_rows(Assessment, Assessment.version_id.in_(versions))
    delete_rows(SubmissionVersion, SubmissionVersion.id.in_(versions))
    delete_rows(Submission, Submission.user_id == user.id)


def _erase_allocations(user: Any) -> None:
    delete_rows(PeerAllocation, PeerAllocation.reviewer_id == user.id)


def _anonymise_assessor(user: Any) -> None:
    db.session.execute(sa.update(Assessment).where(Assessment.assessor_id == user.id).values(assessor_id=None))


register(Submission, section="assignment_submissions", rule="delete", export=_export_submissions,
         erase=_erase_submissions, reason="work the learner handed in, with its versions, files and assessments")
register(SubmissionFile, section="assignment_files", rule="delete", erase=_erase_files,
         export=lambda user: rows_as_dicts(SubmissionFile, SubmissionFile.user_id == user.id,
                                           exclude=("storage_key",)),
         reason="files the learner handed in; the stored bytes are deleted with the rows")
register(Assessment, section="assignment_assessments_given", rule="anonymise", erase=_anonymise_assessor,
         export=lambda user: rows_as_dicts(Assessment, Assessment.assessor_id == user.id),
         reason="assessments of others' work stay with that work, without the assessor")
register(PeerAllocation, section="assignment_peer_reviews_asked", rule="delete", erase=_erase_allocations,
         export=lambda user: rows_as_dicts(PeerAllocation, PeerAllocation.reviewer_id == user.id),
         reason="which peers' work the learner was asked to review; the reviews stay, without the reviewer")
register_owned(ReviewFlag, section="assignment_review_flags", owner="flagged_by",
               reason="reviews of the learner's work they flagged as unfair, and why")
