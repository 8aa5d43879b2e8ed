"""iCalendar feeds (RFC 5545) of cohort plans: one per cohort and one per learner (every cohort they are in or
lead), at a private URL whose secret is a `calendar_feed` token the owner can revoke. Live sessions are
events at their time in the cohort's time zone (with its VTIMEZONE); due weeks and items are events at
their due time."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from icalendar import Calendar, Event

from .. import clock, policy
from ..errors import NotFound, PermissionDenied
from ..extensions import db
from ..tokens.services import IssuedToken, issue_token
from .models import Cohort, CohortMembership, MembershipStatus, PlanItem, PlanItemKind
from .queries import led_cohort_ids
from .services import membership_of

PURPOSE, SCOPE = "calendar_feed", "read:calendar"
LEARNER_FEED = "cohorts"  # the subject of a learner's feed of all their cohorts


def cohort_subject(cohort: Cohort) -> str:
    return f"cohort:{cohort.id}"


def may_follow(user, cohort: Cohort) -> bool:
    """Its seated learners and its facilitators (asked again at every fetch: a removed learner's link
    shows nothing more)."""
    membership = membership_of(cohort, user.id)
    return policy.can_manage_cohort(user, cohort) or (
        membership is not None and membership.status == MembershipStatus.MEMBER)


def issue_cohort_feed(user, cohort: Cohort) -> IssuedToken:
    if not may_follow(user, cohort):
        raise PermissionDenied(_("Only the cohort's learners and facilitators follow its calendar."))
    return issue_token(user, user, PURPOSE, scopes=[SCOPE], label=cohort.name[:80], subject=cohort_subject(cohort))


def issue_learner_feed(user) -> IssuedToken:
    return issue_token(user, user, PURPOSE, scopes=[SCOPE], label=_("All my cohorts"), subject=LEARNER_FEED)


def cohorts_of_feed(user, subject: str | None) -> list[Cohort]:
    if subject == LEARNER_FEED:
        seated = sa.select(CohortMembership.cohort_id).where(CohortMembership.user_id == user.id,
                                                             CohortMembership.status == MembershipStatus.MEMBER)
        ids = set(db.session.scalars(seated)) | led_cohort_ids(user)
        return list(db.session.scalars(sa.select(Cohort).where(Cohort.id.in_(ids)).order_by(Cohort.id)))
    if subject and subject.startswith("cohort:") and subject[7:].isdigit():
        cohort = db.session.get(Cohort, int(subject[7:]))
        if cohort is not None and may_follow(user, cohort):
            return [cohort]
        return []
    raise NotFound(_("No such calendar."))


def feed(cohorts: list[Cohort], *, name: str, host: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//moocplatform//cohort plans//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    by_id = {c.id: c for c in cohorts}
    items: list[PlanItem] = list(db.session.scalars(
        sa.select(PlanItem).where(PlanItem.cohort_id.in_(list(by_id))).order_by(PlanItem.cohort_id, PlanItem.position)
    )) if by_id else []
    now = clock.now()
    for item in items:
        cohort = by_id[item.cohort_id]
        zone = ZoneInfo(cohort.time_zone)
        event = Event()
        event.add("uid", f"cohort-{cohort.id}-item-{item.id}@{host}")
        event.add("dtstamp", now)
        if item.kind == PlanItemKind.LIVE_SESSION and item.starts_at is not None:
            starts = item.starts_at.astimezone(zone)
            event.add("dtstart", starts)
            event.add("dtend", starts + timedelta(minutes=item.minutes or 60))
            event.add("summary", f"{item.title} ({cohort.name})")
            agenda = "\n".join(f"{step['minutes']} min: {step['title']}" for step in item.agenda or [])
            event.add("description", "\n\n".join(part for part in (item.video_url, agenda) if part))
            if item.video_url:
                event.add("url", item.video_url)
                event.add("location", item.video_url)
        elif item.due_at is not None:
            due = item.due_at.astimezone(zone)
            event.add("dtstart", due)
            event.add("dtend", due)
            event.add("summary", _("Due: %(title)s (%(cohort)s)", title=item.title, cohort=cohort.name))
            description = "\n\n".join(part for part in (item.url, item.instructions) if part)
            if description:
                event.add("description", description)
            if item.url:
                event.add("url", item.url)
        else:
            continue
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
