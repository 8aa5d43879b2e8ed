"""The completion rule quizzes brings: `quizzes_to_pass`, the quizzes (of those the version still has) of
which the learner passed an attempt, under any version (a pass is never taken back)."""
from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from flask_babel import ngettext

from ..extensions import db
from ..learning.criteria import CompletionContext, chunks, register_criterion
from .definitions import quizzes_of_version
from .models import QuizAttempt


class QuizzesPassed:
    kind = "quizzes_to_pass"

    def applies(self, context: CompletionContext) -> bool:
        return bool(context.rules.get("quizzes_to_pass"))

    def measure(self, context: CompletionContext, user_ids: Collection[int]) -> tuple[int, dict[int, int]]:
        quizzes = quizzes_of_version(context.version.id, list(context.rules.get("quizzes_to_pass") or []))
        done: dict[int, int] = {}
        if not quizzes:
            return 0, done
        for ids in chunks(user_ids):
            done.update(db.session.execute(
                sa.select(QuizAttempt.user_id, sa.func.count(sa.distinct(QuizAttempt.quiz_key)))
                .where(QuizAttempt.course_id == context.course_id, QuizAttempt.user_id.in_(ids),
                       QuizAttempt.quiz_key.in_(quizzes), QuizAttempt.passed.is_(True))
                .group_by(QuizAttempt.user_id)
            ).tuples().all())
        return len(quizzes), done

    def label(self, done: int, total: int) -> str:
        return ngettext("%(done)d of %(num)d quiz passed", "%(done)d of %(num)d quizzes passed", total, done=done)


def register_criteria() -> None:
    register_criterion(QuizzesPassed())
