"""Read-models of programmes, and the dashboard of a programme's cohort: its seated learners x the plan's
external items (marked done) and live sessions (attended). A page costs the same few queries for 5 learners
or 50."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from ..extensions import db
from ..pagination import Page, paginate
from .models import (
    Attendance,
    Cohort,
    CohortMembership,
    MembershipStatus,
    PlanItem,
    PlanItemDone,
    PlanItemKind,
    Programme,
)
from .queries import CoursePageCohorts, _aware, extensions_of_items, listed_cohorts, seated_learners_page

PER_PAGE = 50


def programme_by_slug(slug: str) -> Programme | None:
    return db.session.scalar(sa.select(Programme).where(Programme.slug == slug))


def programme_of(cohort: Cohort) -> Programme | None:
    return db.session.get(Programme, cohort.programme_id) if cohort.programme_id is not None else None


def programmes_page(page: int) -> Page:
    """All programmes, newest first, 50 a page."""
    return paginate(sa.select(Programme).order_by(Programme.created_at.desc(), Programme.id.desc()), page,
                    per_page=PER_PAGE)


def programme_page_cohorts(programme_id: int, viewer_id: int | None, led_ids: Collection[int],
                           today: date) -> CoursePageCohorts:
    """The programme page's cohorts for one viewer (open ones not ended; theirs): one query."""
    return listed_cohorts(Cohort.programme_id == programme_id, viewer_id, led_ids, today)


@dataclass(frozen=True)
class LearnerRow:
    user_id: int
    display_name: str
    done: frozenset[int]  # external items marked done
    attended: frozenset[int]  # live sessions recorded present
    excused: frozenset[int]  # live sessions the learner was excused from
    last_done_at: datetime | None
    overdue: int  # items past their due date and not done


@dataclass(frozen=True)
class ItemColumn:
    id: int
    title: str
    kind: str
    due_at: datetime | None
    starts_at: datetime | None
    count: int  # learners (of the whole cohort) who marked it done or attended


@dataclass(frozen=True)
class ProgrammeDashboard:
    items: list[ItemColumn]
    rows: list[LearnerRow]
    page: Page
    seated: int


def programme_dashboard(cohort: Cohort, now: datetime, page: int) -> ProgrammeDashboard:
    """Five queries: the page of seated learners (with its count), the plan with each item's totals, and the
    page's marks done and attendance; a sixth for the learners' extensions when an item is past its due date."""
    members = seated_learners_page(cohort.id, page, per_page=PER_PAGE)
    seated_ids = sa.select(CohortMembership.user_id).where(CohortMembership.cohort_id == cohort.id,
                                                          CohortMembership.status == MembershipStatus.MEMBER)
    done_total = (sa.select(sa.func.count(PlanItemDone.id))
                  .where(PlanItemDone.item_id == PlanItem.id, PlanItemDone.user_id.in_(seated_ids))
                  .correlate(PlanItem).scalar_subquery())
    attended_total = (sa.select(sa.func.count(Attendance.id))
                      .where(Attendance.item_id == PlanItem.id, Attendance.user_id.in_(seated_ids),
                             Attendance.excused.is_(False))
                      .correlate(PlanItem).scalar_subquery())
    plan = db.session.execute(
        sa.select(PlanItem, done_total, attended_total)
        .where(PlanItem.cohort_id == cohort.id,
               PlanItem.kind.in_([PlanItemKind.EXTERNAL, PlanItemKind.LIVE_SESSION]))
        .order_by(PlanItem.position, PlanItem.id)).all()
    items = [ItemColumn(item.id, item.title, str(item.kind), item.due_at, item.starts_at,
                        done if item.kind == PlanItemKind.EXTERNAL else attended)
             for item, done, attended in plan]
    ids = [user.id for user in members.items]
    done_by: dict[int, set[int]] = {i: set() for i in ids}
    last: dict[int, datetime] = {}
    attended_by: dict[int, set[int]] = {i: set() for i in ids}
    excused_by: dict[int, set[int]] = {i: set() for i in ids}
    item_ids = [item.id for item in items]
    if ids and item_ids:
        for user_id, item_id, done_at in db.session.execute(
                sa.select(PlanItemDone.user_id, PlanItemDone.item_id, PlanItemDone.done_at)
                .where(PlanItemDone.user_id.in_(ids), PlanItemDone.item_id.in_(item_ids))):
            done_by[user_id].add(item_id)
            moment = _aware(done_at)
            if user_id not in last or moment > last[user_id]:
                last[user_id] = moment
        for user_id, item_id, excused in db.session.execute(
                sa.select(Attendance.user_id, Attendance.item_id, Attendance.excused)
                .where(Attendance.user_id.in_(ids), Attendance.item_id.in_(item_ids))):
            (excused_by if excused else attended_by)[user_id].add(item_id)
    past_due = [item.id for item in items
                if item.kind == PlanItemKind.EXTERNAL and item.due_at is not None and _aware(item.due_at) < now]
    extended = extensions_of_items(past_due) if ids else {}

    def overdue(user_id: int) -> int:  # past the learner's own due date (an extension's, else the item's)
        owed = (item_id for item_id in past_due if item_id not in done_by[user_id])
        return sum(1 for item_id in owed
                   if (own := extended.get((user_id, item_id))) is None or _aware(own) < now)

    rows = [LearnerRow(user.id, user.display_name, frozenset(done_by[user.id]), frozenset(attended_by[user.id]),
                       frozenset(excused_by[user.id]), last.get(user.id), overdue(user.id))
            for user in members.items]
    return ProgrammeDashboard(items, rows, members, members.total)

