"""Handing in work, self-assessment and the course staff's review. Each function takes the acting user, checks
the policy, validates its input, flushes and raises domain errors; the caller's unit of work commits."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, clock, policy
from ..dialect import insert_ignoring_duplicates
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..html import render_user_markdown
from ..learning.deadlines import due_date_for
from ..storage import storage_for
from . import files, outcome, queries
from .models import (
    STORAGE_NAMESPACE,
    Assessment,
    AssessorRole,
    Decision,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    SubmissionVersion,
    delete_stored_files_after_commit,
)
from .peers import REVIEW_DAYS, allocate_peer_reviews, decide_by_peers, resolve_flags
from .queries import Assignment
from .scoring import MAX_TEXT_CHARS, scored

MAX_FILES_PER_VERSION = 10


def live_assignment(course, unit_key: str) -> Assignment:
    assignment = queries.assignment_of(course.live_version_id, unit_key) if course.live_version_id else None
    if assignment is None:
        raise NotFound(_("This unit has no assignment."))
    return assignment


def _require_hand_in(user, course) -> None:
    if not policy.can_hand_in(user, course):
        raise PermissionDenied(_("Enrol in the course to hand in work."))


def _submission_for_writing(user, course, unit_key: str) -> Submission:
    """The learner's submission, made on first use (two first saves at once make one row)."""
    db.session.execute(insert_ignoring_duplicates(db.session(), Submission, ["user_id", "course_id", "unit_key"])
                       .values(user_id=user.id, course_id=course.id, unit_key=unit_key,
                               status=SubmissionStatus.draft.value, created_at=clock.now(), late=False))
    submission = queries.submission_of(user.id, course.id, unit_key)
    assert submission is not None
    if submission.status == SubmissionStatus.accepted:
        raise Conflict(_("Your work was accepted: there is nothing more to hand in."))
    if submission.status == SubmissionStatus.submitted:
        raise Conflict(_("Your work is with the assessor; you can change it if they ask for a revision."))
    return submission


def _draft_of(submission: Submission, course) -> SubmissionVersion:
    """The version being written: the last one if it is not submitted, else a new one that starts as a copy of
    the last (a resubmission after "needs revision" keeps the earlier versions as they were)."""
    last = db.session.scalar(sa.select(SubmissionVersion).where(SubmissionVersion.submission_id == submission.id)
                             .order_by(SubmissionVersion.number.desc()).limit(1))
    if last is not None and last.is_draft:
        return last
    draft = SubmissionVersion(submission_id=submission.id, number=(last.number + 1) if last else 1,
                              course_version_id=course.live_version_id, text=last.text if last else "",
                              text_html=last.text_html if last else "", link=last.link if last else "",
                              saved_at=clock.now())
    db.session.add(draft)
    db.session.flush()
    if last is not None:
        for old in db.session.scalars(sa.select(SubmissionFile).where(SubmissionFile.version_id == last.id)):
            db.session.add(SubmissionFile(version_id=draft.id, user_id=old.user_id, storage_key=old.storage_key,
                                          name=old.name, content_type=old.content_type, size=old.size,
                                          sha256=old.sha256, uploaded_at=old.uploaded_at))
    return draft


def _clean_link(link: str) -> str:
    link = link.strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 2000 or any(c.isspace() for c in link):
        raise InvalidInput(_("Give a web address that starts with https:// or http://."), field="link")
    return link


def save_draft(user, course, unit_key: str, *, text: str | None = None, link: str | None = None
               ) -> SubmissionVersion:
    """Keep what the learner wrote so far (the autosave and the "Save draft" button). None leaves a part as it
    is; a part the assignment does not ask for is refused."""
    _require_hand_in(user, course)
    assignment = live_assignment(course, unit_key)
    if text is not None and text.strip() and "text" not in assignment.hand_in:
        raise InvalidInput(_("This assignment asks for no text."), field="text")
    if link is not None and link.strip() and "link" not in assignment.hand_in:
        raise InvalidInput(_("This assignment asks for no link."), field="link")
    if text is not None and len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(_("Your text is longer than %(n)d characters.", n=MAX_TEXT_CHARS), field="text")
    clean_link = _clean_link(link) if link is not None else None
    draft = _draft_of(_submission_for_writing(user, course, unit_key), course)
    if text is not None:
        draft.text = text
        draft.text_html = render_user_markdown(text) if text.strip() else ""
    if clean_link is not None:
        draft.link = clean_link
    draft.saved_at = clock.now()
    db.session.flush()
    return draft


def add_files(user, course, unit_key: str, uploads: list[tuple[str, bytes]]) -> list[SubmissionFile]:
    """Store files with the draft, once the content of every one says it is a kind we accept and together they
    fit the limits: one refused file stores none of them."""
    _require_hand_in(user, course)
    assignment = live_assignment(course, unit_key)
    if "files" not in assignment.hand_in:
        raise InvalidInput(_("This assignment asks for no files."), field="files")
    checked = []
    for name, data in uploads:
        try:
            clean = files.clean_name(name)
            checked.append((clean, data, files.identify(clean, data)))
        except files.FileRefused as refused:
            raise InvalidInput(str(refused), field="files") from None
    incoming = sum(len(data) for _name, data, _kind in checked)
    if queries.bytes_stored_by(user.id) + incoming > files.MAX_BYTES_PER_LEARNER:
        raise InvalidInput(_("Your files would take more than %(mb)d MB; remove a file you no longer need.",
                             mb=files.MAX_BYTES_PER_LEARNER // files.MB), field="files")
    draft = _draft_of(_submission_for_writing(user, course, unit_key), course)
    count = db.session.scalar(sa.select(sa.func.count()).where(SubmissionFile.version_id == draft.id)) or 0
    if count + len(checked) > MAX_FILES_PER_VERSION:
        raise InvalidInput(_("Hand in at most %(n)d files.", n=MAX_FILES_PER_VERSION), field="files")
    store = storage_for(STORAGE_NAMESPACE)
    rows = []
    for clean, data, kind in checked:
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{secrets.token_hex(16)}"  # random: nobody finds a file by guessing its content
        # Stored before the commit: should the transaction still fail, the bytes stay unnamed under a random key.
        store.put(key, data, kind.content_type)
        rows.append(SubmissionFile(version_id=draft.id, user_id=user.id, storage_key=key, name=clean,
                                   content_type=kind.content_type, size=len(data), sha256=digest,
                                   uploaded_at=clock.now()))
    db.session.add_all(rows)
    draft.saved_at = clock.now()
    db.session.flush()
    return rows


def add_file(user, course, unit_key: str, name: str, data: bytes) -> SubmissionFile:
    return add_files(user, course, unit_key, [(name, data)])[0]


def remove_file(user, file: SubmissionFile) -> None:
    version = db.session.get(SubmissionVersion, file.version_id)
    if file.user_id != user.id or version is None:
        raise NotFound(_("No such file."))
    if not version.is_draft:
        raise Conflict(_("That file was handed in; it stays with the version you submitted."))
    key = file.storage_key
    db.session.delete(file)
    db.session.flush()
    still_used = db.session.scalar(sa.select(sa.func.count()).where(SubmissionFile.storage_key == key))
    if not still_used:
        delete_stored_files_after_commit({key})


def submit(user, course, unit_key: str) -> SubmissionVersion:
    """Hand in the draft. A second click (or a second tab) finds it handed in and changes nothing."""
    _require_hand_in(user, course)
    assignment = live_assignment(course, unit_key)
    submission = queries.submission_of(user.id, course.id, unit_key)
    if submission is None:
        raise InvalidInput(_("Write or attach your work before you submit it."))
    versions = sa.select(SubmissionVersion).where(SubmissionVersion.submission_id == submission.id)
    draft = db.session.scalar(versions.where(SubmissionVersion.submitted_at.is_(None)))
    if draft is None:
        if submission.status in (SubmissionStatus.submitted, SubmissionStatus.accepted):
            last = db.session.scalar(versions.order_by(SubmissionVersion.number.desc()).limit(1))
            assert last is not None
            return last  # submitted already: the same result as the first click
        raise InvalidInput(_("Write or attach your work before you submit it."))
    has_files = bool(db.session.scalar(sa.select(sa.func.count()).where(SubmissionFile.version_id == draft.id)))
    if not (draft.text.strip() or draft.link or has_files):
        raise InvalidInput(_("Write or attach your work before you submit it."))
    now = clock.now()
    # The guard in the WHERE clause makes two concurrent submits record one submission.
    claimed = db.session.execute(sa.update(SubmissionVersion).where(
        SubmissionVersion.id == draft.id, SubmissionVersion.submitted_at.is_(None)).values(submitted_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(draft)
    if claimed.rowcount:  # type: ignore[attr-defined]
        submission.status = SubmissionStatus.submitted
        submission.submitted_at = now
        # Late: after the date the learner's cohort set for the unit (self-paced work is never due). A
        # resubmission after "needs revision" is judged by its own time too, as the queue shows the latest.
        due = due_date_for(user.id, course.id, unit_key)
        submission.late = due is not None and now > due
        audit.record(user, "assignment.submitted", submission, unit=unit_key, version=draft.number)
        if "peers" in assignment.assessed_by:
            db.session.flush()
            allocate_peer_reviews(user, course, unit_key)
    db.session.flush()
    return draft


def _latest_submitted(submission: Submission) -> SubmissionVersion:
    version = db.session.scalar(sa.select(SubmissionVersion).where(
        SubmissionVersion.submission_id == submission.id, SubmissionVersion.submitted_at.is_not(None))
        .order_by(SubmissionVersion.number.desc()).limit(1))
    if version is None:
        raise Conflict(_("Nothing has been handed in yet."))
    return version


def _peers_could_not_decide(submission: Submission, version: SubmissionVersion, course,
                            assignment: Assignment) -> bool:
    """The version's peer reviews are due and too few peers reviewed it for them to decide (if enough did,
    they decide now, and the self-assessment does not)."""
    due = version.submitted_at is not None and clock.now() >= version.submitted_at + timedelta(days=REVIEW_DAYS)
    return due and decide_by_peers(submission, version, course, assignment, reviews_due=True) is None


def self_assess(user, course, unit_key: str, chosen: dict[str, Any]) -> Assessment:
    """The learner scores their latest hand-in against the rubric. Where no course staff decide, that
    completes the assignment: at once when peers do not assess either; when they do, only once the version's
    reviews are due (REVIEW_DAYS) and the peers could not decide (fewer than three reviewed it)."""
    _require_hand_in(user, course)
    assignment = live_assignment(course, unit_key)
    if not assignment.self_assessed:
        raise Conflict(_("This assignment is not self-assessed."))
    submission = queries.submission_of(user.id, course.id, unit_key)
    if submission is None:
        raise Conflict(_("Hand in your work before you assess it."))
    version = _latest_submitted(submission)
    scores, points = scored(assignment, chosen)
    existing = db.session.scalar(sa.select(Assessment).where(
        Assessment.version_id == version.id, Assessment.role == AssessorRole.self))
    assessment = existing or Assessment(version_id=version.id, assessor_id=user.id, role=AssessorRole.self,
                                        created_at=clock.now())
    assessment.scores, assessment.points, assessment.max_points = scores, points, assignment.rubric.max_points
    db.session.add(assessment)
    db.session.flush()
    if not assignment.staff_decide and submission.status == SubmissionStatus.submitted \
            and (not assignment.peers_assess or _peers_could_not_decide(submission, version, course, assignment)):
        outcome.accept(submission, course)
    return assessment


def review(actor, course, submission: Submission, chosen: dict[str, Any], feedback: str, decision: str
           ) -> Assessment:
    """Course staff score the latest hand-in, write feedback and decide; the learner is notified. Staff
    decide work waiting for them, and overrule a decision the peers (or the learner's own assessment) made on
    the latest version; their own decision stands until the learner hands in again."""
    if submission.course_id != course.id or not policy.can_review_work_of(actor, submission.user_id, course):
        raise PermissionDenied(_("Only the learner's facilitators review their work."))
    if decision not in tuple(Decision):
        raise InvalidInput(_("Choose: accept, or ask for a revision."), field="decision")
    version = _latest_submitted(submission)
    if submission.status == SubmissionStatus.draft or (
            submission.status != SubmissionStatus.submitted and outcome.staff_decided(version.id)):
        raise Conflict(_("This submission is not waiting for a review (it is %(status)s).",
                         status=submission.status.value.replace("_", " ")))
    assignment = queries.assignments_of({version.course_version_id}).get((version.course_version_id,
                                                                          submission.unit_key))
    if assignment is None:
        assignment = live_assignment(course, submission.unit_key)
    scores, points = scored(assignment, chosen)
    if len(feedback) > MAX_TEXT_CHARS:
        raise InvalidInput(_("The feedback is longer than %(n)d characters.", n=MAX_TEXT_CHARS), field="feedback")
    if decision == Decision.needs_revision and not feedback.strip():
        raise InvalidInput(_("Say what to revise: write feedback."), field="feedback")
    assessment = Assessment(version_id=version.id, assessor_id=actor.id, role=AssessorRole.facilitator,
                            scores=scores, points=points, max_points=assignment.rubric.max_points,
                            feedback=feedback, feedback_html=render_user_markdown(feedback) if feedback else "",
                            decision=Decision(decision), created_at=clock.now())
    db.session.add(assessment)
    audit.record(actor, "assignment.reviewed", submission, decision=decision, version=version.number)
    db.session.flush()
    if decision == Decision.accepted:
        if submission.status != SubmissionStatus.accepted:
            outcome.accept(submission, course)
        else:
            submission.decided_at = clock.now()
    else:
        outcome.ask_for_revision(submission, course)
    resolve_flags(submission)
    db.session.flush()
    outcome.tell_learner(submission, course, assignment.unit_title, decision)
    return assessment
