"""Quiz pages: starting, answering and submitting an attempt, its results, and the course team's statistics
and exceptions. Each view loads (404), checks the policy (403) and calls a service; the request's unit of work
commits. The views that write after reading are reads_first: their reads hold no write lock on SQLite, and they
call transaction.end_reading() before the service writes."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, policy, transaction
from ..accounts.services import get_user_by_email, require_user
from ..catalog import queries as catalog_queries
from ..forms import EmptyForm, apply_form, apply_or_flash
from ..transaction import reads_first
from . import queries, services, stats
from .forms import AttemptForm, ExceptionForm, read_responses
from .question_views import question_views


def _own_attempt(course, quiz_key: str, attempt_id: int):
    attempt = queries.attempt_in_course(course, quiz_key, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _to_results(slug: str, attempt):
    return redirect(url_for("quizzes.results", slug=slug, quiz_key=attempt.quiz_key, attempt_id=attempt.id))


def _to_unit(slug: str, definition):
    return redirect(url_for("learning.unit_page", slug=slug, key=definition.unit_key))


@reads_first
@login_required
def start(slug: str, quiz_key: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    definition = services.live_definition(course, quiz_key)
    if not policy.can_take_quiz(current_user, course):
        abort(403)
    transaction.end_reading()
    started, attempt = apply_or_flash(lambda: services.start_attempt(current_user, course, quiz_key))
    if not started or attempt is None:
        return _to_unit(slug, definition)
    return redirect(url_for("quizzes.attempt_page", slug=slug, quiz_key=quiz_key, attempt_id=attempt.id))


@login_required
def attempt_page(slug: str, quiz_key: str, attempt_id: int):
    course, _version = catalog_queries.course_with_live_version(slug)
    attempt = _own_attempt(course, quiz_key, attempt_id)
    if attempt.is_submitted:
        return _to_results(slug, attempt)
    if services.is_expired(attempt):
        transaction.end_reading()
        services.close_expired_attempt(current_user, attempt)
        flash(_("Time is up: your attempt was submitted with the answers saved before the time limit."), "info")
        return _to_results(slug, attempt)
    return _render_attempt(course, attempt, AttemptForm())


def _render_attempt(course, attempt, form, responses=None, status: int = 200):
    definition = services.definition_of(attempt)
    questions = question_views(definition, attempt, queries.NOTHING, responses)
    remaining = None
    if attempt.deadline is not None:
        remaining = max(0, int((attempt.deadline - clock.now()).total_seconds()))
    return render_template(
        "quizzes/attempt.html", course=course, definition=definition, attempt=attempt, questions=questions,
        form=form, remaining=remaining, readers=queries.reflection_readers(),
    ), status


@reads_first
@login_required
def answer(slug: str, quiz_key: str, attempt_id: int):
    """Save progress or submit (the button pressed decides). Submitting twice records one result."""
    course, _version = catalog_queries.course_with_live_version(slug)
    attempt = _own_attempt(course, quiz_key, attempt_id)
    form = AttemptForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt.is_submitted:
        flash(_("This attempt was submitted already; here is its result."), "info")
        return _to_results(slug, attempt)
    definition = services.definition_of(attempt)
    shown = set(attempt.question_ids)
    responses = read_responses(request.form, {q["id"]: q for q in definition.questions if q["id"] in shown})
    transaction.end_reading()
    if form.action.data == "submit":
        submission = services.submit_attempt(current_user, attempt, responses)
        if submission.recorded and submission.attempt.late:
            flash(_("Time was up: your attempt was graded with the answers saved before the time limit."), "info")
        elif not submission.recorded:
            flash(_("This attempt was submitted already; here is its result."), "info")
        return _to_results(slug, attempt)
    attempt = services.save_responses(current_user, attempt, responses)
    if attempt.is_submitted:
        flash(_("Time is up: your attempt was submitted with the answers saved before the time limit."), "info")
        return _to_results(slug, attempt)
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt_page", slug=slug, quiz_key=quiz_key, attempt_id=attempt.id))


@login_required
def results(slug: str, quiz_key: str, attempt_id: int):
    course, _version = catalog_queries.course_with_live_version(slug)
    attempt = queries.attempt_in_course(course, quiz_key, attempt_id)
    if attempt is None:
        abort(404)
    own = attempt.user_id == current_user.id
    learner = current_user if own else require_user(attempt.user_id)
    relations = policy.relations_for(current_user, [learner.id], course)[learner.id]
    if not own and not policy.can_view_quiz_attempt_of(relations):
        abort(404)
    if own and not attempt.is_submitted:
        return redirect(url_for("quizzes.attempt_page", slug=slug, quiz_key=quiz_key, attempt_id=attempt.id))
    definition = services.definition_of(attempt)
    state = queries.learner_state(attempt.user_id, course.id, services.current_definition(course, attempt))
    reflections = own or policy.sees(relations, "reflections")
    show = queries.disclosure(definition, attempt, state, reflections=reflections)
    return render_template(
        "quizzes/results.html", course=course, definition=definition, attempt=attempt, state=state, own=own,
        learner=learner, show=show, settings=services.settings_of(definition),
        questions=question_views(definition, attempt, show) if attempt.is_submitted else [],
        rule_text=queries.RULE_TEXT, form=EmptyForm(),
    )


def _statistics_course(slug: str, quiz_key: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_view_quiz_statistics(current_user, course):
        abort(403)
    return course, *stats.statistics_definition(course, quiz_key)


@login_required
def statistics(slug: str, quiz_key: str):
    course, definition, retired = _statistics_course(slug, quiz_key)
    return render_template("quizzes/statistics.html", course=course, definition=definition,
                           retired_in=retired.version if retired else None,
                           stats=stats.quiz_statistics(course, quiz_key, definition))


@login_required
def statistics_csv(slug: str, quiz_key: str):
    course, definition, _retired = _statistics_course(slug, quiz_key)
    body = stats.statistics_csv(stats.quiz_statistics(course, quiz_key, definition))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{course.slug}-{quiz_key}-statistics.csv"'})


@login_required
def exceptions(slug: str, quiz_key: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_grant_quiz_exception(current_user, course):
        abort(403)
    definition = services.live_definition(course, quiz_key)
    form = ExceptionForm()
    if form.validate_on_submit():
        learner = get_user_by_email(form.email.data or "")
        if apply_form(form, lambda: services.grant_exception(
                current_user, learner, course, quiz_key, form.extra_attempts.data or 0,
                form.extra_minutes.data or 0, form.reason.data or ""))[0]:
            flash(_("The exception is granted."), "success")
            return redirect(url_for("quizzes.exceptions", slug=slug, quiz_key=quiz_key))
    return render_template("quizzes/exceptions.html", course=course, definition=definition, form=form,
                           granted=queries.exceptions_granted(course.id, quiz_key)), 200 if not form.errors else 422
