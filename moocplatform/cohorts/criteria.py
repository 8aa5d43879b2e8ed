"""The completion rules cohorts brings: `cohort_plan_items`, the external items of the learner's cohort plan
marked done. Cohorts differ in their plans, so the figure is one rule per learner (all their cohort's items
done, or not); a learner in no cohort with such items has nothing asked of them here. And `cohort_sign_off`:
where the learner's cohort requires it, a facilitator's sign-off; other learners have nothing asked. Both say
so per learner (a Measurement's `asked`), so that the course page tells "not asked of you" from "done"."""
from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..learning.criteria import CompletionContext, Measurement, chunks, register_criterion
from .models import Cohort, CohortMembership, MembershipStatus, PlanItem, PlanItemDone, PlanItemKind, SignOff


class CohortPlanItems:
    kind = "cohort_plan_items"

    def applies(self, context: CompletionContext) -> bool:
        """Shown once some cohort of the course has an external item in its plan."""
        return db.session.scalar(sa.select(sa.exists().where(
            PlanItem.kind == PlanItemKind.EXTERNAL, PlanItem.cohort_id == Cohort.id,
            Cohort.course_id == context.course_id))) or False

    def measure(self, context: CompletionContext, user_ids: Collection[int]) -> Measurement:
        asked, done = dict.fromkeys(user_ids, 0), {}
        for ids in chunks(user_ids):
            rows = db.session.execute(
                sa.select(CohortMembership.user_id, sa.func.count(PlanItem.id), sa.func.count(PlanItemDone.id))
                .join(Cohort, sa.and_(Cohort.id == CohortMembership.cohort_id,
                                      Cohort.course_id == context.course_id))
                .join(PlanItem, sa.and_(PlanItem.cohort_id == CohortMembership.cohort_id,
                                        PlanItem.kind == PlanItemKind.EXTERNAL))
                .outerjoin(PlanItemDone, sa.and_(PlanItemDone.item_id == PlanItem.id,
                                                 PlanItemDone.user_id == CohortMembership.user_id))
                .where(CohortMembership.user_id.in_(ids), CohortMembership.status == MembershipStatus.MEMBER)
                .group_by(CohortMembership.user_id))
            for user_id, items, finished in rows:
                asked[user_id] = 1
                done[user_id] = 1 if finished >= items else 0
        return Measurement(1, done, asked)

    def label(self, done: int, total: int) -> str:
        if not total:
            return _("Your cohort's items: none in your cohort's plan")
        return _("Your cohort's items: all done") if done >= total else _("Your cohort's items: some to do")


class CohortSignOff:
    """One rule per learner: signed off by a facilitator of each cohort of the course they sit in that
    requires it. Learners in no such cohort count as done (nothing is asked of them)."""

    kind = "cohort_sign_off"

    def applies(self, context: CompletionContext) -> bool:
        """Shown once some cohort of the course requires a sign-off."""
        return db.session.scalar(sa.select(sa.exists().where(
            Cohort.course_id == context.course_id, Cohort.requires_sign_off.is_(True)))) or False

    def measure(self, context: CompletionContext, user_ids: Collection[int]) -> Measurement:
        asked, done = dict.fromkeys(user_ids, 0), {}
        for ids in chunks(user_ids):
            rows = db.session.execute(
                sa.select(CohortMembership.user_id, sa.func.count(CohortMembership.id), sa.func.count(SignOff.id))
                .join(Cohort, sa.and_(Cohort.id == CohortMembership.cohort_id,
                                      Cohort.course_id == context.course_id, Cohort.requires_sign_off.is_(True)))
                .outerjoin(SignOff, sa.and_(SignOff.cohort_id == CohortMembership.cohort_id,
                                            SignOff.user_id == CohortMembership.user_id))
                .where(CohortMembership.user_id.in_(ids), CohortMembership.status == MembershipStatus.MEMBER)
                .group_by(CohortMembership.user_id))
            for user_id, cohorts, given in rows:
                asked[user_id] = 1
                done[user_id] = 1 if given >= cohorts else 0
        return Measurement(1, done, asked)

    def label(self, done: int, total: int) -> str:
        if not total:
            return _("Facilitator's sign-off: not required in your cohort")
        return _("Signed off by your facilitator") if done >= total else _("Waiting for your facilitator's sign-off")


def register_criteria() -> None:
    register_criterion(CohortPlanItems())
    register_criterion(CohortSignOff())
