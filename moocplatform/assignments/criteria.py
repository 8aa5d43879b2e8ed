"""The completion rule assignments brings: `assignments`, the assignments that count toward completion (those
the version still declares) of which the learner has an accepted submission, under any version."""
from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from flask_babel import ngettext

from ..extensions import db
from ..learning.criteria import CompletionContext, chunks, register_criterion
from .models import Submission, SubmissionStatus


class AssignmentsAccepted:
    kind = "assignments"

    def applies(self, context: CompletionContext) -> bool:
        return bool(context.rules.get("assignments"))

    def measure(self, context: CompletionContext, user_ids: Collection[int]) -> tuple[int, dict[int, int]]:
        units = sorted(set(context.rules.get("assignments") or []))
        done: dict[int, int] = {}
        for ids in chunks(user_ids):
            done.update(db.session.execute(
                sa.select(Submission.user_id, sa.func.count(sa.distinct(Submission.unit_key)))
                .where(Submission.course_id == context.course_id, Submission.user_id.in_(ids),
                       Submission.unit_key.in_(units), Submission.status == SubmissionStatus.accepted)
                .group_by(Submission.user_id)
            ).tuples().all())
        return len(units), done

    def label(self, done: int, total: int) -> str:
        return ngettext("%(done)d of %(num)d assignment accepted", "%(done)d of %(num)d assignments accepted",
                        total, done=done)


def register_criteria() -> None:
    register_criterion(AssignmentsAccepted())
