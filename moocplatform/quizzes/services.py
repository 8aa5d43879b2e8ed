"""Quiz attempts: start or resume, save progress, submit (graded on the server, once), and exceptions.

Decisions (docs/content-packs.md § Quizzes leaves them to the platform):

- An attempt is taken under the live version's QuizDefinition and always graded against the definition of
  its own `version_id`: a later version never regrades it, and an attempt in progress when a version is
  published is finished under the version it started with.
- One attempt at a time: starting while one is in progress resumes it. Two starts at once make one attempt
  (the second waits for the first's lock on the learner's enrolment row; the unique attempt number backs it).
- Writes come first in their transactions (see _claim and _lock_learner), and the views end the read-only
  transaction of the page's lookups before calling these services: on SQLite a transaction that has read
  cannot write once another connection has committed, however long the busy timeout.
- Time limits: `deadline` = start + limit + the learner's extra minutes. Saves and submissions received up to
  GRACE (30 s) after it count as on time, for the time a request takes to travel. Later, the attempt is
  closed and graded with the answers saved before then; whatever the late request carried is ignored
  (`late` marks such attempts). An expired attempt is closed when its learner opens it or starts again, and
  by the scheduled job close-expired-quiz-attempts for those nobody comes back to.
- Submitting is idempotent and race-safe: a conditional UPDATE ... SET status = 'submitted' WHERE id = :id
  AND status = 'in_progress' claims the attempt, and only the request whose UPDATE changed the row (rowcount
  1) grades and records it, in the same transaction; any other (double click, second tab, replay, a
  concurrent request) gets the result already recorded.
- Answers to questions that are not part of the attempt are refused (InvalidInput), and nothing is recorded.
- Passing an attempt marks the quiz's unit complete. Completion stays when a later attempt fails.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit, clock, policy
from ..accounts.services import require_user
from ..catalog.queries import get_course_by_id
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..events import QuizSubmitted, announce
from ..extensions import db
from ..learning.services import get_enrollment, lock_enrolment, set_unit_completion
from .grading import DEFAULT_SETTINGS, UnknownQuestion, draw_questions, grade_quiz, option_order
from .models import QuizAttempt, QuizDefinition, QuizException
from .types import type_of

if TYPE_CHECKING:
    from ..catalog.models import Course
    from ..learning.models import Enrollment

GRACE = timedelta(seconds=30)
MAX_TEXT_RESPONSE = 20_000  # characters; reflections may be long, anything longer is not a learner's answer
MAX_EXTRA_ATTEMPTS = 100
MAX_EXTRA_MINUTES = 1440
MAX_REASON = 500
# An identical grant by the same person this soon after another is the same form sent twice, not a new grant.
REPEATED_GRANT_WINDOW = timedelta(minutes=1)
QUIZ_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def settings_of(definition: QuizDefinition) -> dict[str, Any]:
    return {**DEFAULT_SETTINGS, **(definition.settings or {})}


def quiz_data(definition: QuizDefinition) -> dict[str, Any]:
    """The quiz as the graders take it."""
    return {"settings": settings_of(definition), "questions": definition.questions}


def _definition(version_id: int | None, quiz_key: str) -> QuizDefinition | None:
    """Stored definitions never change: one lookup per session (a request) is enough."""
    memo = db.session.info.setdefault("quiz_definitions", {})
    if (version_id, quiz_key) not in memo:
        memo[version_id, quiz_key] = db.session.scalar(sa.select(QuizDefinition).where(
            QuizDefinition.version_id == version_id, QuizDefinition.key == quiz_key))
    return memo[version_id, quiz_key]


def live_definition(course, quiz_key: str) -> QuizDefinition:
    definition = _definition(course.live_version_id, quiz_key)
    if definition is None:
        raise NotFound(_("No such quiz."))
    return definition


def definition_of(attempt: QuizAttempt) -> QuizDefinition:
    definition = _definition(attempt.version_id, attempt.quiz_key)
    if definition is None:  # versions with attempts are never deleted; this would be a data error
        raise NotFound(_("The quiz of this attempt no longer exists."))
    return definition


def current_definition(course, attempt: QuizAttempt) -> QuizDefinition:
    """The live version's definition of the attempt's quiz (its rules on attempts apply now), or the
    attempt's own when the live version has retired the quiz."""
    return _definition(course.live_version_id, attempt.quiz_key) or definition_of(attempt)


def extras_for(user_id: int, course_id: int, quiz_key: str) -> tuple[int, int]:
    """(extra attempts, extra minutes) granted to the learner for the quiz, all grants added up."""
    row = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(QuizException.extra_attempts), 0),
                  sa.func.coalesce(sa.func.sum(QuizException.extra_minutes), 0))
        .where(QuizException.user_id == user_id, QuizException.course_id == course_id,
               QuizException.quiz_key == quiz_key)
    ).one()
    return int(row[0]), int(row[1])


def attempts_allowed(settings: dict[str, Any], extra_attempts: int) -> int | None:
    """None: unlimited."""
    maximum = int(settings.get("max_attempts") or 0)
    return maximum + extra_attempts if maximum > 0 else None


def is_expired(attempt: QuizAttempt) -> bool:
    return attempt.deadline is not None and clock.now() > attempt.deadline + GRACE


def _require_taker(user, course) -> Enrollment | None:
    """The learner's enrolment, if they may take the course's quizzes."""
    if not policy.can_take_quiz(user, course):
        raise PermissionDenied(_("Enrol in the course to take its quizzes."))
    return policy.access(user, course).enrollment


def _lock_learner(user, course) -> None:
    """Write first (see _claim): two starts by one learner queue on their enrolment row, which learning
    locks for us."""
    lock_enrolment(user, course)


def _require_owner(user, attempt: QuizAttempt) -> None:
    if not getattr(user, "is_authenticated", False) or attempt.user_id != user.id:
        raise NotFound(_("No such attempt."))


# Starting --------------------------------------------------------------------------------------------------

def start_attempt(user, course, quiz_key: str) -> QuizAttempt:
    """Resume the learner's attempt in progress, or start the next one under the live version."""
    if not isinstance(quiz_key, str) or not QUIZ_KEY.fullmatch(quiz_key):
        raise InvalidInput(_("That is not a quiz."), field="quiz_key")
    _lock_learner(user, course)
    _require_taker(user, course)
    definition = live_definition(course, quiz_key)
    attempts = list(db.session.scalars(QuizAttempt.of_learner(user.id, course.id, quiz_key)))
    current = next((a for a in attempts if not a.is_submitted), None)
    if current is not None:
        if not is_expired(current):
            return current
        close_expired_attempt(user, current)
    settings = settings_of(definition)
    extra_attempts, extra_minutes = extras_for(user.id, course.id, quiz_key)
    allowed = attempts_allowed(settings, extra_attempts)
    if allowed is not None and len(attempts) >= allowed:
        raise PermissionDenied(_("You have used all your attempts at this quiz."))
    seed = secrets.randbelow(2**31)
    quiz = quiz_data(definition)
    question_ids = draw_questions(quiz, seed)
    by_id = {q["id"]: q for q in definition.questions}
    orders = {}
    for question_id in question_ids:
        question = by_id[question_id]
        question_type = type_of(question)
        if question_type and question_type.shuffles(settings):
            orders[question_id] = option_order(question, seed)
    now = clock.now()
    limit = int(settings.get("time_limit_minutes") or 0)
    attempt = QuizAttempt(
        user_id=user.id, course_id=course.id, quiz_key=quiz_key, version_id=definition.version_id,
        number=max((a.number for a in attempts), default=0) + 1, seed=seed, question_ids=question_ids,
        option_orders=orders, status="in_progress", started_at=now,
        deadline=now + timedelta(minutes=limit + extra_minutes) if limit > 0 else None, responses={},
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # a second start that raced this one: resume what it made
        attempt = db.session.scalar(QuizAttempt.of_learner(user.id, course.id, quiz_key)
                                    .where(QuizAttempt.status == "in_progress"))
        if attempt is None:
            raise
    return attempt


# Answers ---------------------------------------------------------------------------------------------------

def clean_responses(attempt: QuizAttempt, questions: dict[str, dict], responses: dict[str, Any]) -> dict[str, Any]:
    """The responses as stored: only questions of the attempt, each in its type's stored shape.

    Shapes: text for single_choice, true_false, numeric, short_text and reflection; a list of option ids for
    multiple_response; {item id: position} for ordering; {pair id: match text} for matching. A malformed
    value is stored as it is and graded as invalid; only unknown questions and oversized texts are refused.
    """
    shown = set(attempt.question_ids)
    cleaned: dict[str, Any] = {}
    for question_id, value in (responses or {}).items():
        if question_id not in shown or question_id not in questions:
            raise InvalidInput(_("The answers name a question that is not part of this attempt."),
                               field="responses")
        if _too_long(value):
            raise InvalidInput(_("An answer is longer than %(n)d characters.", n=MAX_TEXT_RESPONSE),
                               field="responses")
        if value is None or value == "" or value == {}:
            continue
        cleaned[question_id] = value
    return cleaned


def _too_long(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) > MAX_TEXT_RESPONSE
    if isinstance(value, list):
        return len(value) > 500 or any(_too_long(v) for v in value)
    if isinstance(value, dict):
        return len(value) > 500 or any(_too_long(k) or _too_long(v) for k, v in value.items())
    return False


def grader_response(question: dict, stored: Any) -> Any:
    """A stored response in the shape the graders take (ordering's positions become a list)."""
    question_type = type_of(question)
    return question_type.grader_response(question, stored) if question_type else stored


def save_responses(user, attempt: QuizAttempt, form_responses: dict[str, Any]) -> QuizAttempt:
    """Keep the answers so far. After the deadline (and its grace) nothing is saved: the attempt is closed
    with what was saved before, and comes back submitted."""
    _require_owner(user, attempt)
    if attempt.is_submitted:
        return attempt
    if is_expired(attempt):
        close_expired_attempt(user, attempt)
        return attempt
    questions = {q["id"]: q for q in definition_of(attempt).questions}
    cleaned = clean_responses(attempt, questions, form_responses)
    # Write first, check after (a failed check rolls the write back): see _claim. Conditional, so that a save
    # racing a submission never changes the answers an attempt was graded on.
    db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "in_progress")
        .values(responses=cleaned, saved_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    _require_taker(user, _course_of(attempt))
    db.session.refresh(attempt)
    return attempt


# Submitting ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Submission:
    attempt: QuizAttempt
    recorded: bool  # False: the attempt had been submitted already, and this is its recorded result


def submit_attempt(user, attempt: QuizAttempt, form_responses: dict[str, Any] | None) -> Submission:
    """Grade and record the attempt once; form_responses None submits the saved answers.

    Raises a DomainError (and the unit of work rolls back, which also undoes the claim) when the learner may not
    submit or the answers name questions outside the attempt."""
    _require_owner(user, attempt)
    if attempt.is_submitted:
        return Submission(attempt, recorded=False)
    questions = {q["id"]: q for q in definition_of(attempt).questions}
    if form_responses is not None:
        clean_responses(attempt, questions, form_responses)  # refuse a hostile form before writing anything
    return _finish(user, attempt, form_responses)


def close_expired_attempt(user, attempt: QuizAttempt) -> Submission:
    """Close an attempt whose time is up, graded with the answers saved before the deadline."""
    _require_owner(user, attempt)
    if attempt.is_submitted or not is_expired(attempt):
        return Submission(attempt, recorded=False)
    return _finish(user, attempt, None)


def expired_attempts_to_close() -> list[int]:
    """The timed attempts nobody came back to, whose grace period is over, oldest deadline first."""
    return list(db.session.scalars(
        sa.select(QuizAttempt.id).where(QuizAttempt.status == "in_progress", QuizAttempt.deadline.is_not(None),
                                        QuizAttempt.deadline < clock.now() - GRACE)
        .order_by(QuizAttempt.deadline)
    ))


def close_expired_attempt_by_id(attempt_id: int) -> bool:
    """Close one expired attempt for its learner; returns whether it was closed now."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    return attempt is not None and close_expired_attempt(require_user(attempt.user_id), attempt).recorded


def _course_of(attempt: QuizAttempt) -> Course:
    course = get_course_by_id(attempt.course_id)
    if course is None:  # a course's deletion takes its attempts with it; this would be a data error
        raise NotFound(_("No such course."))
    return course


def _claim(attempt: QuizAttempt, now) -> bool:
    """The one conditional UPDATE that decides which request submits the attempt. It is the transaction's
    first statement (the views end the read-only transaction of the log-in lookup first), so that on SQLite
    it waits for the write lock instead of failing on a stale snapshot, and on PostgreSQL the row stays locked
    until the result is recorded: a concurrent claim waits, then finds the attempt submitted. Either way the
    attempt is refreshed with what this transaction now holds (the saved answers, the deadline): by the
    UPDATE's RETURNING when it claims, by a read when it does not."""
    claimed = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "in_progress")
        .values(status="submitted", submitted_at=now)
        .returning(QuizAttempt)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).scalar_one_or_none()
    if claimed is None:
        db.session.refresh(attempt)
    return claimed is not None


def _finish(user, attempt: QuizAttempt, form_responses: dict[str, Any] | None) -> Submission:
    now = clock.now()
    if not _claim(attempt, now):
        return Submission(attempt, recorded=False)
    course = _course_of(attempt)
    late = attempt.deadline is not None and now > attempt.deadline + GRACE
    # A closing of an expired attempt needs no enrolment.
    enrollment = None if late else _require_taker(user, course)
    definition = definition_of(attempt)
    questions = {q["id"]: q for q in definition.questions}
    given = attempt.responses if late or form_responses is None else form_responses
    responses = clean_responses(attempt, questions, given)
    graded = {qid: grader_response(questions[qid], value) for qid, value in responses.items()}
    try:
        result = grade_quiz(quiz_data(definition), graded, attempt.question_ids)
    except UnknownQuestion as error:  # clean_responses refuses these first; kept as a guard
        raise InvalidInput(_("The answers name a question that is not part of this attempt.")) from error
    results = {
        qid: {"score": grade.score, "correct": grade.correct, "valid": grade.valid, "reason": grade.reason,
              "graded": grade.graded, "feedback": list(grade.feedback),
              "points": float(questions[qid].get("points", 1))}
        for qid, grade in result.grades.items()
    }
    attempt.responses = responses
    attempt.score = result.percent
    attempt.passed = result.passed
    attempt.results = results
    attempt.late = late
    db.session.flush()
    announce(QuizSubmitted(user_id=attempt.user_id, course_id=attempt.course_id, quiz_key=attempt.quiz_key,
                           attempt_id=attempt.id, version_id=attempt.version_id, score=float(result.percent),
                           passed=bool(result.passed), late=late))
    if result.passed:
        enrollment = enrollment or get_enrollment(user, course)
        if enrollment is not None and policy.can_track_progress(user, course):
            set_unit_completion(user, course, definition.unit_key, complete=True, enrollment=enrollment)
    db.session.flush()
    return Submission(attempt, recorded=True)


# Exceptions ------------------------------------------------------------------------------------------------

def grant_exception(actor, learner, course, quiz_key: str, extra_attempts: int, extra_minutes: int,
                    reason: str) -> QuizException:
    """Give one enrolled learner extra attempts and/or minutes at a quiz. Extra minutes also extend the
    learner's attempt in progress, if it has a time limit."""
    if not policy.can_grant_quiz_exception(actor, course):
        raise PermissionDenied(_("You cannot grant exceptions in this course."))
    live_definition(course, quiz_key)
    enrollment = get_enrollment(learner, course) if learner is not None else None
    if enrollment is None or not enrollment.is_active:
        raise InvalidInput(_("No learner with that address is enrolled in this course."), field="email")
    if isinstance(extra_attempts, bool) or not isinstance(extra_attempts, int) or not (
            0 <= extra_attempts <= MAX_EXTRA_ATTEMPTS):
        raise InvalidInput(_("Extra attempts: 0 to %(n)d.", n=MAX_EXTRA_ATTEMPTS), field="extra_attempts")
    if isinstance(extra_minutes, bool) or not isinstance(extra_minutes, int) or not (
            0 <= extra_minutes <= MAX_EXTRA_MINUTES):
        raise InvalidInput(_("Extra minutes: 0 to %(n)d.", n=MAX_EXTRA_MINUTES), field="extra_minutes")
    if extra_attempts == 0 and extra_minutes == 0:
        raise InvalidInput(_("Grant at least one extra attempt or minute."), field="extra_attempts")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the exception is granted."), field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("At most %(n)d characters.", n=MAX_REASON), field="reason")
    lock_enrolment(learner, course)  # parallel grants for this learner queue, so a repeat finds the first
    repeated = db.session.scalar(sa.select(QuizException).where(
        QuizException.user_id == learner.id, QuizException.course_id == course.id,
        QuizException.quiz_key == quiz_key, QuizException.granted_by_id == actor.id,
        QuizException.extra_attempts == extra_attempts, QuizException.extra_minutes == extra_minutes,
        QuizException.reason == reason, QuizException.granted_at > clock.now() - REPEATED_GRANT_WINDOW,
    ).limit(1))
    if repeated is not None:  # the same form sent twice (a double click): one grant
        return repeated
    exception = QuizException(user_id=learner.id, course_id=course.id, quiz_key=quiz_key,
                              extra_attempts=extra_attempts, extra_minutes=extra_minutes, reason=reason,
                              granted_by_id=actor.id, granted_at=clock.now())
    db.session.add(exception)
    if extra_minutes:
        running = db.session.scalars(QuizAttempt.of_learner(learner.id, course.id, quiz_key).where(
            QuizAttempt.status == "in_progress", QuizAttempt.deadline.is_not(None)))
        for attempt in running:
            attempt.deadline = attempt.deadline + timedelta(minutes=extra_minutes)
    db.session.flush()
    audit.record(actor, "quiz.exception", course, exception=exception.id, learner=learner.id, quiz=quiz_key,
                 extra_attempts=extra_attempts, extra_minutes=extra_minutes, reason=exception.reason)
    return exception
