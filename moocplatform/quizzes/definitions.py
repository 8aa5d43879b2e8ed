"""Quiz definitions belong to quizzes: stored when the catalog announces a version imported, from the
version's pack, and read by the catalog's change set through `questions_by_quiz`."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..events import VersionImported
from ..extensions import db
from .models import QuizDefinition


def store_definitions(event: VersionImported) -> None:
    """Durable subscriber: the quizzes of the pack, stored with its version in the import's transaction
    (the version's deletion removes them: the foreign key cascades)."""
    for quiz in event.pack.quizzes.values():
        db.session.add(QuizDefinition(version_id=event.version_id, key=quiz.id, unit_key=quiz.unit_key,
                                      title=quiz.title, settings=quiz.settings, questions=quiz.questions,
                                      source_path=quiz.path))
    db.session.flush()


def questions_by_quiz(version_id: int) -> dict[str, list[Any]]:
    """The stored questions of every quiz of a version, by quiz key."""
    return {key: questions for key, questions in db.session.execute(
        sa.select(QuizDefinition.key, QuizDefinition.questions).where(QuizDefinition.version_id == version_id))}


def quizzes_of_version(version_id: int, quiz_keys: list[str]) -> list[str]:
    """Those of quiz_keys that the version has."""
    return list(db.session.scalars(sa.select(QuizDefinition.key).where(
        QuizDefinition.version_id == version_id, QuizDefinition.key.in_(quiz_keys)).order_by(QuizDefinition.key)))
