"""Read-models of quizzes: a learner's standing at a quiz, what the rules disclose of an attempt
(`Disclosure`), and the quiz panel of a unit. The questions of an attempt: question_views.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import QueryableAttribute, aliased

from .. import policy
from ..accounts.models import User
from ..extensions import db
from ..learning.activity import Moments, Timeline, timeline_row
from .models import AttemptStatus, QuizAttempt, QuizDefinition, QuizException
from .services import GRACE, attempts_allowed, extras_for, settings_of

# A learner's standing at a quiz ------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuizState:
    attempts: list[QuizAttempt]  # oldest first
    allowed: int | None  # None: unlimited
    extra_minutes: int
    score_rule: str  # best | last
    pass_mark: float

    @property
    def used(self) -> int:
        return len(self.attempts)

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)

    @property
    def in_progress(self) -> QuizAttempt | None:
        return next((a for a in self.attempts if not a.is_submitted), None)

    @property
    def submitted(self) -> list[QuizAttempt]:
        return [a for a in self.attempts if a.is_submitted]

    @property
    def best(self) -> QuizAttempt | None:
        # The earliest of equal scores, so the attempt that counts does not change when a later one ties.
        return max(self.submitted, key=lambda a: (a.score or 0, -a.number), default=None)

    @property
    def last(self) -> QuizAttempt | None:
        return self.submitted[-1] if self.submitted else None

    @property
    def counted(self) -> QuizAttempt | None:
        """The attempt whose score is the quiz result: settings.score picks the best or the last."""
        return self.last if self.score_rule == "last" else self.best

    @property
    def passed(self) -> bool:
        counted = self.counted
        return bool(counted and counted.passed)

    @property
    def passed_ever(self) -> bool:
        return any(a.passed for a in self.submitted)

    @property
    def can_start(self) -> bool:
        return self.in_progress is not None or self.left is None or self.left > 0


def learner_state(user_id: int, course_id: int, definition: QuizDefinition) -> QuizState:
    """Two queries: the learner's attempts at the quiz and their exceptions."""
    settings = settings_of(definition)
    attempts = list(db.session.scalars(QuizAttempt.of_learner(user_id, course_id, definition.key)))
    extra_attempts, extra_minutes = extras_for(user_id, course_id, definition.key)
    return QuizState(attempts, attempts_allowed(settings, extra_attempts), extra_minutes,
                     str(settings.get("score", "best")), float(settings.get("pass_mark", 60)))


@dataclass(frozen=True)
class Disclosure:
    """What an attempt's page may show beyond the score: per-answer feedback, correct answers (and
    explanations), and the learner's reflection answers."""

    feedback: bool
    answers: bool
    reflections: bool = True


NOTHING = Disclosure(False, False)
# When withheld feedback or answers will be shown, for the results page.
RULE_TEXT = {
    "after_submission": _l("after you submit"),
    "after_passing": _l("once you have passed the quiz"),
    "after_last_attempt": _l("after your last attempt"),
    "never": _l("not at all in this quiz"),
}


def rule_allows(rule: str, attempt: QuizAttempt, state: QuizState) -> bool:
    """Whether a feedback/answers rule lets this submitted attempt show more than its score.

    after_passing and after_last_attempt also wait while another attempt is in progress, so that earlier
    results cannot help with it; after_last_attempt needs a limit (with unlimited attempts there is no last).
    """
    if not attempt.is_submitted:
        return False
    if rule == "after_submission":
        return True
    if state.in_progress is not None:
        return False
    if rule == "after_passing":
        return state.passed_ever
    if rule == "after_last_attempt":
        return state.left == 0
    return False


def disclosure(definition: QuizDefinition, attempt: QuizAttempt, state: QuizState, *,
               reflections: bool = True) -> Disclosure:
    settings = settings_of(definition)
    return Disclosure(rule_allows(str(settings.get("feedback")), attempt, state),
                      rule_allows(str(settings.get("answers")), attempt, state), reflections)


# The quiz panel of a unit ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuizPanel:
    definition: QuizDefinition
    settings: dict[str, Any]
    state: QuizState | None  # None: the viewer does not take quizzes in this course
    can_take: bool
    can_view_statistics: bool
    can_grant_exceptions: bool
    grace_seconds: int = int(GRACE.total_seconds())

    @property
    def questions_per_attempt(self) -> int:
        pools = self.settings.get("pools") or []
        pooled = {str(member) for pool in pools for member in pool.get("from", [])}
        return (sum(1 for q in self.definition.questions if q["id"] not in pooled)
                + sum(int(pool.get("draw", 0)) for pool in pools))


def definition_for_unit(version_id: int, unit_key: str) -> QuizDefinition | None:
    return db.session.scalar(sa.select(QuizDefinition).where(
        QuizDefinition.version_id == version_id, QuizDefinition.unit_key == unit_key))


def quiz_panel(user, course, version_id: int, unit_key: str) -> QuizPanel | None:
    """What the quiz unit shows: the rules, the learner's attempts and the way in. Three queries at most."""
    definition = definition_for_unit(version_id, unit_key)
    if definition is None:
        return None
    can_take = policy.can_take_quiz(user, course) and version_id == course.live_version_id
    state = learner_state(user.id, course.id, definition) if can_take else None
    return QuizPanel(definition, settings_of(definition), state, can_take,
                     policy.can_view_quiz_statistics(user, course), policy.can_grant_quiz_exception(user, course))


def attempt_in_course(course, quiz_key: str, attempt_id: int) -> QuizAttempt | None:
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.course_id != course.id or attempt.quiz_key != quiz_key:
        return None
    return attempt


@dataclass(frozen=True)
class GrantedException:
    exception: QuizException
    learner_name: str
    granted_by_name: str | None


def exceptions_granted(course_id: int, quiz_key: str) -> list[GrantedException]:
    """The quiz's exceptions, newest first, with who they are for and who granted them (one query)."""
    learner, granter = aliased(User), aliased(User)
    rows = db.session.execute(
        sa.select(QuizException, learner.display_name, granter.display_name)
        .join(learner, learner.id == QuizException.user_id)
        .outerjoin(granter, granter.id == QuizException.granted_by_id)
        .where(QuizException.course_id == course_id, QuizException.quiz_key == quiz_key)
        .order_by(QuizException.granted_at.desc(), QuizException.id.desc())
    ).all()
    return [GrantedException(*row) for row in rows]


def reflection_readers() -> list[str]:
    """Who besides the learner may read reflection answers, from the visibility rules."""
    labels = {"facilitator": _("your facilitators"), "course_team": _("the course team"),
              "co_learner": _("other learners in the course"), "admin": _("administrators")}
    return [str(labels[r]) for r in ("facilitator", "course_team", "co_learner", "admin")
            if r in policy.VISIBILITY["reflections"]]


def attempt_moments(course_id: int, learner: QueryableAttribute[int]) -> Moments:
    """The learner's quiz attempts in the course, started or submitted: activity (learning.activity)."""
    return sa.select(sa.func.coalesce(QuizAttempt.submitted_at, QuizAttempt.started_at)).where(
        QuizAttempt.user_id == learner, QuizAttempt.course_id == course_id)


def attempt_timeline(course_id: int, user_id: int) -> Timeline:
    """The learner's quiz attempts in the course, when submitted (or started, while in progress), titled by the
    quiz of the attempt's version; the key is the attempt's id: rows of learning.activity's timeline."""
    definition = sa.and_(QuizDefinition.version_id == QuizAttempt.version_id,
                         QuizDefinition.key == QuizAttempt.quiz_key)
    return (sa.select(*timeline_row("quiz", sa.func.coalesce(QuizAttempt.submitted_at, QuizAttempt.started_at),
                                    sa.func.coalesce(QuizDefinition.title, QuizAttempt.quiz_key), QuizAttempt.id))
            .outerjoin(QuizDefinition, definition)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.course_id == course_id))


ATTEMPTS_LISTED = 100


@dataclass(frozen=True)
class AttemptRow:
    id: int
    quiz_key: str
    quiz_title: str
    number: int
    started_at: datetime
    submitted_at: datetime | None
    score: float | None  # percent; None until submitted
    passed: bool | None

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


def learner_attempts(course_id: int, user_id: int, limit: int = ATTEMPTS_LISTED) -> list[AttemptRow]:
    """The learner's attempts at the course's quizzes, newest first, at most `limit`, each with its quiz's title
    (as the attempt's version has it), score and whether it passed: one query."""
    definition = sa.and_(QuizDefinition.version_id == QuizAttempt.version_id,
                         QuizDefinition.key == QuizAttempt.quiz_key)
    rows = db.session.execute(
        sa.select(QuizAttempt.id, QuizAttempt.quiz_key, sa.func.coalesce(QuizDefinition.title, QuizAttempt.quiz_key),
                  QuizAttempt.number, QuizAttempt.started_at, QuizAttempt.submitted_at, QuizAttempt.score,
                  QuizAttempt.passed)
        .outerjoin(QuizDefinition, definition)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.course_id == course_id)
        .order_by(sa.func.coalesce(QuizAttempt.submitted_at, QuizAttempt.started_at).desc(), QuizAttempt.id.desc())
        .limit(limit))
    return [AttemptRow(*row) for row in rows]


@dataclass(frozen=True)
class ReflectionAnswer:
    attempt_id: int
    quiz_title: str
    prompt: str
    prompt_html: str  # sanitised when the pack was imported
    answer: str  # the learner's text, as they wrote it (escaped when shown)
    submitted_at: datetime | None


def learner_reflections(course_id: int, user_id: int, limit: int = ATTEMPTS_LISTED) -> list[ReflectionAnswer]:
    """The learner's answers to the reflection questions of their submitted attempts in the course, newest
    first (from at most `limit` attempts): one query. Whether a viewer may read them is
    policy.sees(relations, "reflections"), which the caller asks first."""
    rows = db.session.execute(
        sa.select(QuizAttempt.id, QuizAttempt.responses, QuizAttempt.submitted_at, QuizDefinition.title,
                  QuizDefinition.questions)
        .join(QuizDefinition, sa.and_(QuizDefinition.version_id == QuizAttempt.version_id,
                                      QuizDefinition.key == QuizAttempt.quiz_key))
        .where(QuizAttempt.user_id == user_id, QuizAttempt.course_id == course_id,
               QuizAttempt.status == AttemptStatus.submitted)
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc()).limit(limit))
    found = []
    for attempt_id, responses, submitted_at, title, questions in rows:
        for question in questions or []:
            if not isinstance(question, dict) or question.get("type") != "reflection":
                continue
            answer = (responses or {}).get(str(question.get("id")))
            if isinstance(answer, str) and answer.strip():
                found.append(ReflectionAnswer(attempt_id, title, str(question.get("prompt", "")),
                                              str(question.get("prompt_html", "")), answer, submitted_at))
    return found
