"""Quizzes as stored with a content version (their definitions are part of the version, like units)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class QuizDefinition(db.Model):
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
