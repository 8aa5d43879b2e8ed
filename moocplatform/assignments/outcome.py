"""The outcome of a hand-in, whoever decides it (course staff, the peers' median against the pass mark, or the
learner's own assessment): accepted, which completes its unit and may complete the course, or needs revision.
The learner is told through the notification system (by e-mail unless they chose otherwise)."""
from __future__ import annotations

import contextlib

import sqlalchemy as sa

from .. import clock
from ..errors import PermissionDenied
from ..extensions import db
from ..learning.completion import record_completion_if_reached
from ..learning.services import set_unit_completion
from ..notifications.services import notify, site_path
from . import queries
from .models import Assessment, AssessorRole, Submission, SubmissionStatus
from .notices import WORK_DECIDED


def accept(submission: Submission, course) -> None:
    submission.status = SubmissionStatus.accepted
    submission.decided_at = clock.now()
    db.session.flush()
    learner = queries.user_by_id(submission.user_id)
    if learner is None:
        return
    try:  # an accepted hand-in completes its unit, and that may complete the course
        set_unit_completion(learner, course, submission.unit_key, complete=True)
    except PermissionDenied:
        return  # the learner left the course: the acceptance stays, their progress is not tracked
    record_completion_if_reached(learner.id, course)


def ask_for_revision(submission: Submission, course) -> None:
    """A revision asked for after all (staff overriding the peers' acceptance) takes the unit's completion
    back; a course completion already recorded stays, as a certificate issued does."""
    was_accepted = submission.status == SubmissionStatus.accepted
    submission.status = SubmissionStatus.needs_revision
    submission.decided_at = clock.now()
    db.session.flush()
    learner = queries.user_by_id(submission.user_id) if was_accepted else None
    if learner is not None:
        with contextlib.suppress(PermissionDenied):  # a learner who left has nothing tracked
            set_unit_completion(learner, course, submission.unit_key, complete=False)


def staff_decided(version_id: int) -> bool:
    """Whether course staff have decided on this version (their decision is final over the peers' and the
    learner's own)."""
    return db.session.scalar(sa.select(sa.literal(True)).where(
        Assessment.version_id == version_id, Assessment.role == AssessorRole.facilitator,
        Assessment.decision.is_not(None))) is not None


def tell_learner(submission: Submission, course, unit_title: str, decision: str, *, by: str = "staff") -> None:
    """A notification (by: "staff" or "peers", who decided), linking to the unit page with the feedback."""
    learner = queries.user_by_id(submission.user_id)
    if learner is not None:
        notify(learner, WORK_DECIDED.name, {"course": course.title, "unit": unit_title, "decision": decision,
                                            "by": by},
               link=site_path("learning.unit_page", slug=course.slug, key=submission.unit_key) + "#assignment")
