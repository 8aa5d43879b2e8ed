"""Announcing: the course team to everyone enrolled, a cohort's facilitators to their cohort or to one of its
teams (whoever may announce to a cohort may announce to its teams); a programme's cohort, which has no course,
the same way (its facilitators and the programme's editors, to the cohort or a team). Posting writes
the announcement and queues its delivery in the same transaction; the worker then tells the audience through
the notification system (on the site, and by e-mail or digest as each person chose), BATCH people per outbox
row, each row queuing the next, so no request ever walks 10,000 learners and a retried batch tells nobody
twice."""
from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, clock, policy
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..html import render_user_markdown
from ..notifications.kinds import NotificationKind, register_notification_kind
from ..notifications.models import Channel
from ..notifications.services import notify, site_path
from ..outbox import enqueue
from . import queries
from .models import Announcement

MAX_TITLE = 200
MAX_CHARACTERS = 20_000
BATCH = 200
DELIVER_KIND = "announcements.deliver"

ANNOUNCEMENT = register_notification_kind(NotificationKind(
    "announcements.posted", label=lambda: str(_l("Announcements from your courses' teams and facilitators")),
    # A programme cohort's announcement names its programme where a course's names the course.
    describe=lambda p: _("Announcement in %(course)s: %(title)s", course=p.get("course") or p.get("programme", ""),
                         title=p.get("title", "")),
    default_channel=Channel.email))


def new_request_key() -> str:
    return secrets.token_urlsafe(24)


def _clean(title: str, body: str) -> tuple[str, str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput(_("Give the announcement a title."), field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(_("The title is too long (at most %(n)d characters).", n=MAX_TITLE), field="title")
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput(_("Write the announcement first."), field="body")
    if len(body) > MAX_CHARACTERS:
        raise InvalidInput(_("An announcement has at most %(n)d characters.", n=MAX_CHARACTERS), field="body")
    return title, body, render_user_markdown(body)


def post_announcement(actor: Any, course: Any, title: str, body: str, *, cohort_id: int | None = None,
                      team_id: int | None = None, request_key: str | None = None) -> Announcement:
    """Announce to the course (cohort_id and team_id None), to one of its cohorts, or to one team of a cohort
    (team_id; its cohort follows); course None: to a programme's cohort, or one team of it. The delivery is
    queued."""
    if request_key and policy.signed_in(actor):
        earlier = db.session.scalar(sa.select(Announcement).where(Announcement.author_id == actor.id,
                                                                  Announcement.request_key == request_key))
        if earlier is not None:
            return earlier
    if team_id is not None:
        team = queries.team_of(team_id)
        if team is None or cohort_id not in (None, team.cohort_id):
            raise InvalidInput(_("Choose who the announcement is for."), field="audience")
        cohort_id = team.cohort_id
    cohort = queries.cohort_of(cohort_id) if cohort_id is not None else None
    course_id = course.id if course is not None else None
    if (cohort_id is not None or course is None) and (cohort is None or cohort.course_id != course_id):
        raise InvalidInput(_("Choose who the announcement is for."), field="audience")
    place = queries.programme_cohort(cohort.id, actor) if course is None and cohort is not None else None
    if course is None:
        allowed = place is not None and policy.can_announce_to_programme_cohort(
            actor, place.cohort, place.programme, place.organisation)
    elif cohort is not None:
        allowed = policy.can_announce_to_cohort(actor, cohort, course)
    else:
        allowed = policy.can_announce(actor, course)
    if not policy.signed_in(actor) or not allowed:
        raise PermissionDenied(_("You cannot make announcements here."))
    if course is not None and course.is_archived:
        raise Conflict(_("The course is archived: it takes no announcements."))
    title, source, html = _clean(title, body)
    announcement = Announcement(course_id=course_id, cohort_id=cohort.id if cohort else None, team_id=team_id,
                                author_id=actor.id,
                                title=title, body_source=source, body_html=html, created_at=clock.now(),
                                request_key=request_key or None)
    db.session.add(announcement)
    db.session.flush()
    where = {"course": course_id} if place is None else {"programme": place.programme.id}
    audit.record(actor, "announcements.posted", announcement, **where, cohort=cohort.id if cohort else None,
                 team=team_id)
    _queue_batch(announcement.id, after_id=0)
    return announcement


def _queue_batch(announcement_id: int, *, after_id: int) -> None:
    # The key makes each batch one row, however often the batch before it is run.
    enqueue(DELIVER_KIND, {"announcement": announcement_id, "after": after_id},
            key=f"announcement:{announcement_id}:{after_id}")


def deliver_batch(payload: dict[str, Any], row: Any = None) -> int:
    """The outbox handler (transactional: the notifications of a batch, the next batch's row and this row's
    done mark commit together). Returns how many people this batch told."""
    announcement = queries.announcement_by_id(int(payload["announcement"]))
    if announcement is None:  # deleted with its course meanwhile
        return 0
    link, params = _where_told(announcement)
    people = queries.audience_after(announcement, int(payload["after"]), BATCH + 1)
    batch = people[:BATCH]
    told = sum(1 for person in batch if notify(person, ANNOUNCEMENT.name, params, link=link) is not None)
    announcement.told += told
    announcement.delivered_at = clock.now()
    if len(people) > BATCH:
        _queue_batch(announcement.id, after_id=batch[-1].id)
    db.session.flush()
    return told


def _where_told(announcement: Announcement) -> tuple[str, dict[str, Any]]:
    """The page the notification links to and what it names: the course, or a programme cohort's programme."""
    if announcement.course_id is None:
        cohort = queries.cohort_of(announcement.cohort_id) if announcement.cohort_id is not None else None
        programme = queries.programme_of(cohort) if cohort is not None else None
        if cohort is None or programme is None:
            raise NotFound("no such programme cohort")
        return (site_path("announcements.cohort_show", cohort_id=cohort.id, announcement_id=announcement.id),
                {"programme": programme.title, "cohort": cohort.name, "title": announcement.title})
    course = queries.course_of(announcement.course_id)
    if course is None:
        raise NotFound("no such course")
    return (site_path("announcements.show", slug=course.slug, announcement_id=announcement.id),
            {"course": course.title, "title": announcement.title})
