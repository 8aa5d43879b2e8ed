"""Muting a learner in a course for a time: while the mute runs they read the course's discussions but do not
post, reply, comment, edit or like there, and every page with a composer tells them why and until when. The
moderators of the course's spaces mute and unmute, with a reason the learner is shown and the audit log
keeps; a mute ends by itself at its end (the clock decides, no job), or earlier when a moderator lifts it."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from .. import audit, clock, policy
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from .models import Mute

# The lengths a moderator chooses from, in days.
MUTE_DAYS = (1, 3, 7, 14, 30)
MAX_REASON = 500


class Muted(PermissionDenied):
    """The actor is muted in the course: the message says until when (the form shows it on the body)."""

    def __init__(self, mute: Mute):
        super().__init__(_("A moderator muted you in this course's discussions until %(when)s: until then you "
                           "can read them but not post, reply or like.",
                           when=format_datetime(mute.ends_at, "short")), field="body")
        self.mute = mute


def active_mute(user_id: int, course_id: int) -> Mute | None:
    """The learner's running mute in the course, if any (one query on the course and person)."""
    return db.session.scalar(sa.select(Mute).where(
        Mute.course_id == course_id, Mute.user_id == user_id, Mute.lifted_at.is_(None),
        Mute.ends_at > clock.now()).order_by(Mute.ends_at.desc()).limit(1))


def running_mute_of(user_id: int | None, course_id: Any) -> sa.ColumnElement[bool]:
    """A join condition on Mute: the learner's running mute in the course of `course_id` (a column of the
    query joined to, such as Space.course_id). Pages outer-join it to a query they run anyway, so that telling
    a muted learner before they write costs no query; the newest-ending mute only, so rows never multiply."""
    return running_mute_where(user_id or 0, course_id, clock.now())


def running_mute_where(user_id: Any, course_id: Any, now: Any) -> sa.ColumnElement[bool]:
    """running_mute_of with the learner and the time given as values or bind parameters (for a statement built
    once)."""
    other = aliased(Mute)
    newest = (sa.select(other.id).where(other.course_id == course_id, other.user_id == user_id,
                                        other.lifted_at.is_(None), other.ends_at > now)
              .order_by(other.ends_at.desc(), other.id.desc()).limit(1).correlate_except(other).scalar_subquery())
    return Mute.id == newest


def refuse_while_muted(actor: Any, course_id: int | None) -> None:
    if course_id is None or not policy.signed_in(actor):
        return
    mute = active_mute(actor.id, course_id)
    if mute is not None:
        raise Muted(mute)


def mute_learner(actor: Any, course_id: int, learner: Any, days: int, reason: str) -> Mute:
    """Mute a learner of the course for `days` (one of MUTE_DAYS) from now; a learner muted already gets the
    new end and reason. Only the course's moderators mute, never one another."""
    if not policy.can_moderate_discussion(actor, course_id):
        raise PermissionDenied(_("Only the course's moderators mute learners."))
    if learner is not None and (learner.id == actor.id or policy.is_course_staff(learner, course_id)):
        raise Conflict(_("Moderators and staff of the course cannot be muted."))
    if learner is None or learner.status == "deleted" or not policy.is_enrolled(learner, course_id):
        raise NotFound(_("No such learner in this course."))
    if days not in MUTE_DAYS:
        raise InvalidInput(_("Choose how long the mute lasts."), field="days")
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_("Say why the learner is muted: they are shown the reason."), field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason is too long (at most %(n)d characters).", n=MAX_REASON), field="reason")
    now = clock.now()
    mute = active_mute(learner.id, course_id)
    if mute is None:
        mute = Mute(course_id=course_id, user_id=learner.id, created_at=now, reason=reason, muted_by_id=actor.id,
                    ends_at=now + timedelta(days=days))
        db.session.add(mute)
    else:
        mute.ends_at, mute.reason, mute.muted_by_id = now + timedelta(days=days), reason, actor.id
    db.session.flush()
    audit.record(actor, "discussion.learner_muted", mute, course_id=course_id, user_id=learner.id, days=days,
                 ends_at=mute.ends_at.isoformat(), reason=reason)
    return mute


def lift_mute(actor: Any, mute_id: int, reason: str = "", *, course_id: int | None = None) -> Mute:
    """End a running mute before its time (of `course_id`, when given: another course's is not found)."""
    mute = db.session.get(Mute, mute_id)
    if mute is None or course_id is not None and mute.course_id != course_id \
            or not policy.can_moderate_discussion(actor, mute.course_id):
        raise NotFound(_("No such mute."))
    if mute.lifted_at is not None or mute.ends_at <= clock.now():
        raise Conflict(_("This mute has ended already."))
    mute.lifted_at, mute.lifted_by_id = clock.now(), actor.id
    audit.record(actor, "discussion.learner_unmuted", mute, course_id=mute.course_id, user_id=mute.user_id,
                 reason=" ".join((reason or "").split())[:MAX_REASON])
    db.session.flush()
    return mute
