"""A cohort's plan: pre-filled from the pack (each module a week with release and due dates, each live
session of the pack at a time in the cohort's time zone, its agenda from the session's steps), then edited by
the cohort's facilitators, who add external items (any URL with instructions) that learners mark done."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, clock, policy, validation
from ..catalog.queries import get_course_by_id, live_version_of
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..transaction import add_unless_present
from . import queries
from .models import Attendance, Cohort, CohortMembership, MembershipStatus, PlanItem, PlanItemDone, PlanItemKind
from .services import membership_of

WEEK = timedelta(days=7)
# Where a pack session lands until the facilitator sets its time: the third day of its week, at 18:00 local.
DEFAULT_SESSION_DAY, DEFAULT_SESSION_TIME = 2, time(18, 0)


def local_time(moment: datetime | None, zone: str) -> str:
    """A plan time as the cohort's own clock shows it (plans are kept in UTC, set in the cohort's zone)."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _require_manager(actor, cohort: Cohort) -> None:
    if not policy.can_manage_cohort(actor, cohort):
        raise PermissionDenied(_("Only the cohort's facilitators change its plan."))


def _next_position(cohort: Cohort) -> int:
    last = db.session.scalar(sa.select(sa.func.max(PlanItem.position)).where(PlanItem.cohort_id == cohort.id))
    return (last or 0) + 1


def fill_plan_from_pack(actor, cohort: Cohort) -> list[PlanItem]:
    """Weeks and live sessions from the course's live version. Only into an empty plan: a plan the
    facilitators edited is theirs."""
    _require_manager(actor, cohort)
    if queries.plan_items(cohort.id):
        raise Conflict(_("This cohort has a plan already."))
    course = get_course_by_id(cohort.course_id)
    version = live_version_of(course) if course is not None else None
    if version is None:
        raise NotFound(_("The course has no published version to plan from."))
    source = queries.pack_plan_source(version.id)
    items: list[PlanItem] = []
    week_start: dict[str, date] = {}
    for index, (module_key, module_title) in enumerate(source.modules):
        starts = cohort.starts_on + index * WEEK
        week_start[module_key] = starts
        items.append(PlanItem(
            cohort_id=cohort.id, kind=PlanItemKind.WEEK, title=module_title, module_key=module_key,
            releases_at=local_to_utc(starts, time(0, 0), cohort.time_zone),
            due_at=local_to_utc(starts + WEEK - timedelta(days=1), time(23, 59), cohort.time_zone)))
    for found in source.sessions:
        session = found.session
        day = week_start.get(found.module_key, cohort.starts_on) + timedelta(days=DEFAULT_SESSION_DAY)
        agenda = [{"title": str(step.get("title", "")), "minutes": int(step.get("minutes", 0) or 0),
                   "grouping": str(step.get("grouping", ""))}
                  for step in session.get("steps") or [] if isinstance(step, dict)]
        items.append(PlanItem(
            cohort_id=cohort.id, kind=PlanItemKind.LIVE_SESSION, title=str(session.get("title") or found.unit_title),
            module_key=found.module_key, unit_key=found.unit_key,
            starts_at=local_to_utc(day, DEFAULT_SESSION_TIME, cohort.time_zone),
            minutes=int(session.get("minutes") or 60), agenda=agenda))
    # Sessions sit after their week, in the pack's order.
    order = {key: i for i, (key, _title) in enumerate(source.modules)}
    items.sort(key=lambda item: (order.get(item.module_key or "", len(order)), item.kind != PlanItemKind.WEEK))
    for position, item in enumerate(items, start=1):
        item.position = position
        db.session.add(item)
    db.session.flush()
    audit.record(actor, "cohort.plan_from_pack", cohort, version=version.version, items=len(items))
    return items


def _item_of(cohort: Cohort, item_id: int) -> PlanItem:
    item = db.session.get(PlanItem, item_id)
    if item is None or item.cohort_id != cohort.id:
        raise NotFound(_("No such item in this cohort's plan."))
    return item


def _url(value: str, field: str) -> str:
    url = validation.text(value, field, max_length=1000)
    if url and not url.lower().startswith(("https://", "http://")):
        raise InvalidInput(_("Enter a web address beginning with https://."), field=field)
    return url


def _local(moment: datetime | None, cohort: Cohort, field: str) -> datetime | None:
    """A date and time as the facilitator typed it (naive, in the cohort's time zone), in UTC."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        raise InvalidInput(_("Enter a date and time."), field=field)
    return local_to_utc(moment.date(), moment.time(), cohort.time_zone)


def schedule_live_session(actor, cohort: Cohort, item_id: int, *, starts_local: datetime, video_url: str = "",
                          minutes: int | None = None, title: str | None = None) -> PlanItem:
    """Set a session's time (in the cohort's time zone), its video-call link, length and title."""
    _require_manager(actor, cohort)
    item = _item_of(cohort, item_id)
    if item.kind != PlanItemKind.LIVE_SESSION:
        raise InvalidInput(_("Only live sessions have a time."), field="starts_at")
    item.starts_at = _local(starts_local, cohort, "starts_at")
    item.video_url = _url(video_url, "video_url")
    if minutes is not None:
        item.minutes = validation.whole_number(minutes, "minutes", minimum=5, maximum=600)
    if title is not None:
        item.title = validation.text(title, "title", min_length=1, max_length=200)
    db.session.flush()
    audit.record(actor, "cohort.schedule_session", cohort, item_id=item.id)
    return item


def add_live_session(actor, cohort: Cohort, *, title: str, starts_local: datetime, minutes: int,
                     video_url: str = "") -> PlanItem:
    _require_manager(actor, cohort)
    item = PlanItem(cohort_id=cohort.id, kind=PlanItemKind.LIVE_SESSION, position=_next_position(cohort),
                    title=validation.text(title, "title", min_length=1, max_length=200),
                    starts_at=_local(starts_local, cohort, "starts_at"),
                    minutes=validation.whole_number(minutes, "minutes", minimum=5, maximum=600),
                    video_url=_url(video_url, "video_url"), agenda=[])
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "cohort.add_session", cohort, item_id=item.id)
    return item


def add_external_item(actor, cohort: Cohort, *, title: str, url: str, instructions: str = "",
                      due_local: datetime | None = None) -> PlanItem:
    """Any online content (another MOOC's lesson, a video, an article) with what to do with it."""
    _require_manager(actor, cohort)
    address = _url(url, "url")
    if not address:
        raise InvalidInput(_("Enter the item's web address."), field="url")
    item = PlanItem(cohort_id=cohort.id, kind=PlanItemKind.EXTERNAL, position=_next_position(cohort),
                    title=validation.text(title, "title", min_length=1, max_length=200), url=address,
                    instructions=validation.text(instructions or "", "instructions", max_length=5000),
                    due_at=_local(due_local, cohort, "due_at"), agenda=[])
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "cohort.add_external_item", cohort, item_id=item.id)
    return item


def remove_item(actor, cohort: Cohort, item_id: int) -> None:
    _require_manager(actor, cohort)
    item = _item_of(cohort, item_id)
    db.session.delete(item)
    db.session.flush()
    audit.record(actor, "cohort.remove_plan_item", cohort, item_id=item_id, kind=str(item.kind))


def mark_item_done(user, cohort: Cohort, item_id: int, *, done: bool = True) -> bool:
    """A seated learner marks an external item done (or not done). Returns whether it is done now."""
    membership = membership_of(cohort, user.id)
    if membership is None or membership.status != MembershipStatus.MEMBER:
        raise PermissionDenied(_("Only the cohort's learners mark its items done."))
    item = _item_of(cohort, item_id)
    if item.kind != PlanItemKind.EXTERNAL:
        raise InvalidInput(_("Only external items are marked done by hand."))
    if done:
        # Marked twice (a double click, a client's retry, two at once): one record.
        add_unless_present(PlanItemDone(item_id=item.id, user_id=user.id, done_at=clock.now()))
    else:
        db.session.execute(sa.delete(PlanItemDone).where(PlanItemDone.item_id == item.id,
                                                         PlanItemDone.user_id == user.id))
    db.session.flush()
    return done


def record_attendance(actor, cohort: Cohort, item_id: int, present: set[int],
                      excused: set[int] | None = None) -> tuple[int, int]:
    """Who of the cohort's seated learners attended a live session that has begun, and who was excused from it
    (the others were absent): the sets replace what was recorded. Returns (present, seated)."""
    _require_manager(actor, cohort)
    excused = set(excused or ())
    item = _item_of(cohort, item_id)
    if item.kind != PlanItemKind.LIVE_SESSION or item.starts_at is None:
        raise InvalidInput(_("Attendance is recorded for live sessions."))
    if queries._aware(item.starts_at) > clock.now():
        raise InvalidInput(_("The session has not begun: record who attended once it has."))
    seated = set(db.session.scalars(sa.select(CohortMembership.user_id).where(
        CohortMembership.cohort_id == cohort.id, CohortMembership.status == MembershipStatus.MEMBER)))
    if present - seated:
        raise InvalidInput(_("Only the cohort's learners can be recorded as present."), field="present")
    if excused - seated:
        raise InvalidInput(_("Only the cohort's learners can be excused."), field="excused")
    if present & excused:
        raise InvalidInput(_("A learner is either present or excused, not both."), field="excused")
    wanted = {user_id: False for user_id in present} | {user_id: True for user_id in excused}
    recorded = {row.user_id: row for row in db.session.scalars(
        sa.select(Attendance).where(Attendance.item_id == item.id))}
    gone = set(recorded) - set(wanted)
    if gone:
        db.session.execute(sa.delete(Attendance).where(Attendance.item_id == item.id, Attendance.user_id.in_(gone)))
    now = clock.now()
    for user_id, is_excused in sorted(wanted.items()):
        row = recorded.get(user_id)
        if row is None:
            db.session.add(Attendance(item_id=item.id, user_id=user_id, recorded_by_id=actor.id, recorded_at=now,
                                      excused=is_excused))
        elif row.excused != is_excused:
            row.excused, row.recorded_by_id, row.recorded_at = is_excused, actor.id, now
    db.session.flush()
    audit.record(actor, "cohort.record_attendance", cohort, item_id=item.id, present=len(present),
                 excused=len(excused), seated=len(seated))
    return len(present), len(seated)
