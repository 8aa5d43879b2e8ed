"""Handing in (on the unit page's panel), the files, self-assessment, and the course staff's queue and review.
Each view loads (404), checks the policy (403) and calls a service; the request's unit of work commits. Views
that write after reading are reads_first (see transaction.end_reading)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy, transaction
from ..catalog import queries as catalog_queries
from ..errors import DomainError
from ..extensions import db
from ..forms import apply_or_flash
from ..storage import StoredFileMissing, storage_for
from ..transaction import reads_first
from . import peers, queries, services
from .models import STORAGE_NAMESPACE, Submission, SubmissionFile, SubmissionVersion

bp = Blueprint("assignments", __name__, url_prefix="/courses/<key:slug>", template_folder="templates")

# Files are never shown as a page of ours: downloaded, and sandboxed should a browser render them anyway. Images
# and PDFs may be shown inline (?inline=1: the review pages show images, and open PDFs in the browser's viewer),
# under the same sandbox; every other kind downloads whatever is asked.
FILE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "application/pdf"})


def _to_panel(slug: str, unit_key: str):
    return redirect(url_for("learning.unit_page", slug=slug, key=unit_key) + "#assignment")


def _chosen_levels() -> dict[str, Any]:
    return {name.removeprefix("criterion-"): value for name, value in request.form.items()
            if name.startswith("criterion-")}


@bp.post("/assignments/<key:unit_key>/hand-in")
@reads_first
@login_required
def hand_in(slug: str, unit_key: str):
    """Save the draft (text, link, new files) and, with the Submit button, hand it in."""
    course, _version = catalog_queries.course_with_live_version(slug)
    services.live_assignment(course, unit_key)
    if not policy.can_hand_in(current_user, course):
        abort(403)
    uploads = [(f.filename or "", f.read(services.files.MAX_FILE_BYTES + 1))
               for f in request.files.getlist("files") if f and f.filename]
    transaction.end_reading()
    text = request.form.get("text")
    link = request.form.get("link")

    def save():
        services.save_draft(current_user, course, unit_key, text=text, link=link)
        if uploads:
            services.add_files(current_user, course, unit_key, uploads)
        if request.form.get("action") == "submit":
            return services.submit(current_user, course, unit_key)
        return None

    saved, submitted = apply_or_flash(save)
    if saved:
        if submitted is not None:
            flash(_("Your work is handed in (version %(n)d).", n=submitted.number), "success")
        else:
            flash(_("Your draft is saved."), "success")
    return _to_panel(slug, unit_key)


@bp.post("/assignments/<key:unit_key>/autosave")
@reads_first
@login_required
def autosave(slug: str, unit_key: str):
    """The draft as the learner writes (the panel's script posts here); answers JSON."""
    course, _version = catalog_queries.course_with_live_version(slug)
    services.live_assignment(course, unit_key)
    if not policy.can_hand_in(current_user, course):
        abort(403)
    transaction.end_reading()
    try:
        draft = services.save_draft(current_user, course, unit_key, text=request.form.get("text"),
                                    link=request.form.get("link"))
    except DomainError as error:
        transaction.roll_back()
        return jsonify(error=error.message, field=error.field), error.status_code
    return jsonify(saved_at=draft.saved_at.isoformat(), version=draft.number)


def _file_and_author(course, file_id: int) -> tuple[SubmissionFile, Submission]:
    row = db.session.execute(
        db.select(SubmissionFile, Submission)
        .join(SubmissionVersion, SubmissionVersion.id == SubmissionFile.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(SubmissionFile.id == file_id, Submission.course_id == course.id)).first()
    # Someone who may not see the work learns nothing, not even that the file exists.
    if row is None or not policy.can_view_submission(
            current_user, row[1].user_id, course,
            allocated_peer=queries.is_allocated_peer(current_user.id, row[0].version_id)):
        abort(404)
    return row[0], row[1]


@bp.get("/assignments/files/<id:file_id>")
@login_required
def download_file(slug: str, file_id: int):
    course, _version = catalog_queries.course_with_live_version(slug)
    file, _submission = _file_and_author(course, file_id)
    try:
        response = storage_for(STORAGE_NAMESPACE).send(file.storage_key, mimetype=file.content_type,
                                                       etag=file.sha256, max_age=0, download_name=file.name)
    except StoredFileMissing:
        abort(404)
    inline = request.args.get("inline") == "1" and file.content_type in INLINE_TYPES
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=file.name)
    response.headers["Content-Security-Policy"] = FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.public = False
    response.cache_control.private = True
    return response


@bp.post("/assignments/files/<id:file_id>/remove")
@reads_first
@login_required
def remove_file(slug: str, file_id: int):
    course, _version = catalog_queries.course_with_live_version(slug)
    file, submission = _file_and_author(course, file_id)
    if submission.user_id != current_user.id:
        abort(404)
    transaction.end_reading()
    if apply_or_flash(lambda: services.remove_file(current_user, file))[0]:
        flash(_("The file is removed from your draft."), "success")
    return _to_panel(slug, submission.unit_key)


@bp.post("/assignments/<key:unit_key>/self-assessment")
@reads_first
@login_required
def self_assess(slug: str, unit_key: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    services.live_assignment(course, unit_key)
    if not policy.can_hand_in(current_user, course):
        abort(403)
    chosen = _chosen_levels()
    transaction.end_reading()
    if apply_or_flash(lambda: services.self_assess(current_user, course, unit_key, chosen))[0]:
        flash(_("Your self-assessment is saved."), "success")
    return _to_panel(slug, unit_key)


@bp.get("/submissions")
@login_required
def queue(slug: str):
    """The review queue: the work of the learners the reviewer reaches (a cohort's facilitator: that cohort's)."""
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_review_submissions(current_user, course):
        abort(403)
    page_text = request.args.get("page", "1")
    filters = queries.QueueFilters(unit_key=request.args.get("unit", "")[:64],
                                   status=request.args.get("status", "submitted")[:20],
                                   page=int(page_text) if page_text.isdigit() else 1,
                                   cohort=request.args.get("cohort", "")[:20])
    found = queries.review_queue(course, filters, cohort_ids=policy.reviewed_cohort_ids(current_user, course))
    return render_template("assignments/queue.html", course=course, page=found.page, units=found.units,
                           cohorts=found.cohorts, filters=filters, self_paced=queries.SELF_PACED)


@bp.get("/submissions/results")
@login_required
def results(slug: str):
    """The course's assignment results in aggregate, for its course team (no learner named)."""
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_view_assignment_results(current_user, course):
        abort(403)
    return render_template("assignments/results.html", course=course, rows=queries.assignment_results(course))


@bp.route("/submissions/<id:submission_id>", methods=["GET", "POST"])
@reads_first
@login_required
def review(slug: str, submission_id: int):
    course, _version = catalog_queries.course_with_live_version(slug)
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.course_id != course.id:
        abort(404)
    if not policy.can_review_work_of(current_user, submission.user_id, course):
        # The author may see their work on the unit page, not here; anyone else learns nothing of it.
        abort(403 if current_user.id == submission.user_id else 404)
    errors: list[str] = []
    chosen = _chosen_levels()
    if request.method == "POST":
        feedback = request.form.get("feedback", "")
        decision = request.form.get("decision", "")
        transaction.end_reading()
        try:
            services.review(current_user, course, submission, chosen, feedback, decision)
        except DomainError as error:
            transaction.roll_back()
            errors.append(error.message)
        else:
            flash(_("Your review is saved and the learner is told."), "success")
            return redirect(url_for("assignments.queue", slug=slug))
    view = queries.submission_view(submission)
    latest = view.latest_submitted
    can_decide = latest is not None and (submission.status == "submitted"
                                         or not any(a.role == "facilitator" and a.decision
                                                    for a in latest.assessments))
    assignment = services.live_assignment(course, submission.unit_key) if latest is None else (
        queries.assignments_of({latest.version.course_version_id}).get(
            (latest.version.course_version_id, submission.unit_key))
        or services.live_assignment(course, submission.unit_key))
    return render_template("assignments/review.html", course=course, submission=submission, view=view,
                           assignment=assignment, author=queries.user_by_id(submission.user_id),
                           can_decide=can_decide, flags=queries.flags_of(submission.id), errors=errors,
                           form_values=request.form, chosen=chosen), 422 if errors else 200


@bp.post("/assignments/<key:unit_key>/peer-reviews")
@reads_first
@login_required
def request_peer_reviews(slug: str, unit_key: str):
    """Ask for the peer reviews still owed (when too few peers had handed in at the time)."""
    course, _version = catalog_queries.course_with_live_version(slug)
    services.live_assignment(course, unit_key)
    if not policy.can_hand_in(current_user, course):
        abort(403)
    transaction.end_reading()
    done, found = apply_or_flash(lambda: peers.allocate_peer_reviews(current_user, course, unit_key))
    if done and not found:
        flash(_("Nobody else's work is waiting for a review yet; try again later."), "info")
    return _to_panel(slug, unit_key)


@bp.route("/assignments/peer-reviews/<id:allocation_id>", methods=["GET", "POST"])
@reads_first
@login_required
def peer_review(slug: str, allocation_id: int):
    """A peer's work, without their name, and the rubric to review it against."""
    course, _version = catalog_queries.course_with_live_version(slug)
    try:
        allocation, submission, version = peers.allocation_for(current_user, allocation_id)
    except DomainError:
        abort(404)
    if submission.course_id != course.id:
        abort(404)
    errors: list[str] = []
    chosen = _chosen_levels()
    if request.method == "POST":
        feedback = request.form.get("feedback", "")
        transaction.end_reading()
        try:
            peers.submit_peer_review(current_user, course, allocation_id, chosen, feedback)
        except DomainError as error:
            transaction.roll_back()
            errors.append(error.message)
        else:
            flash(_("Thank you: your review is saved."), "success")
            return _to_panel(slug, submission.unit_key)
    shown = next(v for v in queries.submission_view(submission).versions if v.version.id == version.id)
    assignment = queries.assignments_of({version.course_version_id}).get(
        (version.course_version_id, submission.unit_key)) or services.live_assignment(course, submission.unit_key)
    mine = next((a for a in shown.assessments if a.id == allocation.assessment_id), None)
    author_cohort = queries.cohort_of(submission.user_id, course.id)
    if request.method == "GET" and allocation.started_at is None:
        transaction.end_reading()
        peers.start_peer_review(current_user, allocation)
    return render_template("assignments/peer_review.html", course=course, allocation=allocation,
                           version_view=shown, assignment=assignment, mine=mine, errors=errors,
                           reviewer_named=author_cohort is not None and author_cohort.names_peer_reviewers,
                           form_values=request.form, chosen=chosen), 422 if errors else 200


@bp.post("/assignments/reviews/<id:assessment_id>/flag")
@reads_first
@login_required
def flag_review(slug: str, assessment_id: int):
    """The reviewed learner flags a peer's review of their work as unfair, for the course's staff."""
    course, _version = catalog_queries.course_with_live_version(slug)
    submission = queries.submission_reviewed_in(assessment_id)
    # Anyone but the reviewed learner learns nothing of the review.
    if submission is None or submission.course_id != course.id or submission.user_id != current_user.id:
        abort(404)
    reason = request.form.get("reason", "")
    transaction.end_reading()
    if apply_or_flash(lambda: peers.flag_review(current_user, course, assessment_id, reason))[0]:
        flash(_("Thank you: the course's staff will look at the review and decide."), "success")
    return _to_panel(slug, submission.unit_key)
