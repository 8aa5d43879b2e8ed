"""Quizzes as stored with a content version (their definitions are part of the version, like units)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import JSONType
from ..extensions import Model
from ..personal_data import register_owned
from ..stored_enum import stored_enum


class QuizDefinition(Model):
    """A quiz of one content version: settings and questions as the pack gave them, Markdown already rendered
    to sanitised HTML (`*_html` keys). Learner attempts refer to the course and the quiz's stable key."""

    __tablename__ = "quiz_definitions"
    __table_args__ = (sa.UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    unit_key: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    questions: Mapped[list[Any]] = mapped_column(default=list)
    source_path: Mapped[str] = mapped_column(sa.String(400), default="")


class AttemptStatus(StrEnum):
    in_progress = "in_progress"
    submitted = "submitted"  # graded; final


ATTEMPT_STATUSES = tuple(AttemptStatus)


class QuizAttempt(Model):
    """One learner's attempt at a quiz, taken under one content version (`version_id`) and always graded
    against that version's QuizDefinition, so a later version never regrades it.

    The drawn questions and choice orders are stored with the attempt (and follow from `seed`), so a
    resumed attempt shows the same questions in the same order. `responses` holds the saved answers, keyed by
    question id; `results` holds each question's grade once the attempt is submitted.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id", "quiz_key", "number"),
        sa.Index("ix_quiz_attempts_course_id_quiz_key", "course_id", "quiz_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    quiz_key: Mapped[str] = mapped_column(sa.String(64))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id"), index=True)
    number: Mapped[int]  # 1, 2, ... per learner and quiz
    seed: Mapped[int]
    question_ids: Mapped[list[Any]] = mapped_column(default=list)
    option_orders: Mapped[dict[str, Any]] = mapped_column(default=dict)  # question id -> ids or match texts
    status: Mapped[AttemptStatus] = mapped_column(stored_enum(AttemptStatus, column="status", length=16),
                                                  default=AttemptStatus.in_progress)
    started_at: Mapped[datetime]
    deadline: Mapped[datetime | None]  # None: no time limit
    responses: Mapped[dict[str, Any]] = mapped_column(default=dict)
    saved_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)  # closed after the deadline: graded on saved answers
    score: Mapped[float | None]  # percent, 0..100
    passed: Mapped[bool | None]
    results: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    @property
    def is_submitted(self) -> bool:
        return self.status == AttemptStatus.submitted

    @classmethod
    def of_learner(cls, user_id: int, course_id: int, quiz_key: str) -> sa.Select:
        return (sa.select(cls).where(cls.user_id == user_id, cls.course_id == course_id, cls.quiz_key == quiz_key)
                .order_by(cls.number))


class QuizException(Model):
    """Extra attempts or extra minutes that the course team granted one learner for one quiz. Grants add up;
    each stays as a record of who granted what and why."""

    __tablename__ = "quiz_exceptions"
    __table_args__ = (sa.Index("ix_quiz_exceptions_user_id_course_id_quiz_key", "user_id", "course_id", "quiz_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    quiz_key: Mapped[str] = mapped_column(sa.String(64))
    extra_attempts: Mapped[int] = mapped_column(default=0)
    extra_minutes: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(sa.String(500))
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime]


register_owned(QuizAttempt, section="quiz_attempts",
               reason="private learning data")
register_owned(QuizException, section="quiz_exceptions",
               reason="arrangements made for the learner; those they granted keep a de-personalised grantor")
