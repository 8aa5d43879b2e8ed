"""Changing people's data: profile settings, blocks, and reports of profiles with the administrators'
decisions. Every service takes the actor, checks the policy, validates, audits what administrators do, and
never commits."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit, clock, policy
from ..accounts import services as accounts
from ..database import rows_affected
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from . import queries
from .models import Block, Profile, ProfileReport, ProfileVisibility, ReportOutcome

MAX_LINKS = 5
MAX_LINK_LENGTH = 300
MAX_REASON = 500


def clean_links(links: Any) -> list[str]:
    """A few http(s) links, one per entry; empty entries are dropped, duplicates kept once."""
    if isinstance(links, str):
        links = links.splitlines()
    if not isinstance(links, list | tuple) or not all(isinstance(link, str) for link in links):
        raise InvalidInput(_("Give the links as text, one a line."), field="links")
    cleaned: list[str] = []
    for link in (link.strip() for link in links):
        if not link or link in cleaned:
            continue
        if len(link) > MAX_LINK_LENGTH:
            raise InvalidInput(_("A link has at most %(n)d characters.", n=MAX_LINK_LENGTH), field="links")
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in link):
            raise InvalidInput(_("“%(link)s” is not a web address starting with https:// or http://.", link=link),
                               field="links")
        cleaned.append(link)
    if len(cleaned) > MAX_LINKS:
        raise InvalidInput(_("At most %(n)d links.", n=MAX_LINKS), field="links")
    return cleaned


def update_settings(actor: Any, user: Any, *, visibility: str, allow_messages: bool, links: Any,
                    bio: str | None = None) -> Profile:
    """The person's public profile: who sees it, whether co-learners may write, links; the bio is the
    account's (changed through the accounts area)."""
    if not policy.can_edit_profile(actor, user):
        raise PermissionDenied(_("You cannot change this profile."))
    try:
        chosen = ProfileVisibility(visibility)
    except ValueError:
        raise InvalidInput(_("Choose who sees your profile."), field="visibility") from None
    if not isinstance(allow_messages, bool):
        raise InvalidInput(_("Choose whether co-learners may write to you."), field="allow_messages")
    cleaned = clean_links(links)
    if bio is not None:
        accounts.update_profile(actor, user, bio=bio)
    row = queries.profile_row(user.id)
    if row is None:
        row = Profile(user_id=user.id, updated_at=clock.now())
        try:
            with db.session.begin_nested():  # the form sent twice at once: one row
                db.session.add(row)
        except IntegrityError:
            row = queries.profile_row(user.id)
            if row is None:
                raise
    row.visibility = chosen
    row.allow_messages = allow_messages
    row.links = cleaned
    row.updated_at = clock.now()
    if actor.id != user.id:
        audit.record(actor, "people.profile_changed", user, visibility=chosen.value)
    db.session.flush()
    return row


def _subject(user_id: int) -> Any:
    subject = accounts.require_user(user_id)
    if subject.status == "deleted":
        raise NotFound(_("No such person."))
    return subject


def block(actor: Any, user_id: int) -> Block:
    """The actor blocks someone: they can no longer see the actor's profile or write to them, and a
    conversation of the two becomes read-only. Blocking twice keeps one block."""
    if not policy.signed_in(actor):
        raise PermissionDenied(_("Log in first."))
    subject = _subject(user_id)
    if not policy.can_block(policy.relations(actor, subject), policy.relations(subject, actor)):
        raise Conflict(_("You cannot block yourself, a facilitator or teacher of your course, or an "
                         "administrator: report them to the administrators instead."))
    row = Block(blocker_id=actor.id, blocked_id=subject.id, created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = db.session.scalar(sa.select(Block).where(Block.blocker_id == actor.id,
                                                         Block.blocked_id == subject.id))
        if found is None:
            raise
        return found
    db.session.flush()
    return row


def unblock(actor: Any, user_id: int) -> None:
    if not policy.signed_in(actor):
        raise PermissionDenied(_("Log in first."))
    db.session.execute(sa.delete(Block).where(Block.blocker_id == actor.id, Block.blocked_id == user_id))
    db.session.flush()


def report_profile(actor: Any, user_id: int, reason: str) -> ProfileReport:
    """Tell the administrators that a profile is abusive. Only someone who may see the profile reports it."""
    if not policy.signed_in(actor):
        raise PermissionDenied(_("Log in first."))
    if queries.profile_view(actor, user_id) is None:
        raise NotFound(_("No such person."))
    if actor.id == user_id:
        raise Conflict(_("You cannot report your own profile."))
    reason = " ".join((reason or "").split()) if isinstance(reason, str) else ""
    if not reason:
        raise InvalidInput(_("Say what is wrong with the profile."), field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason is too long (at most %(n)d characters).", n=MAX_REASON), field="reason")
    report = ProfileReport(subject_id=user_id, reporter_id=actor.id, reason=reason, created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        raise Conflict(_("You have reported this profile already.")) from None
    return report


def resolve_profile_reports(actor: Any, user_id: int, *, hide: bool, reason: str = "") -> int:
    """An administrator decides on a profile's open reports: hide the profile (back to hidden) or dismiss
    them. Audited with why. Returns how many reports were resolved."""
    if not policy.can_resolve_reports(actor):
        raise PermissionDenied(_("Only administrators decide on reported profiles."))
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason is too long (at most %(n)d characters).", n=MAX_REASON), field="reason")
    subject = _subject(user_id)
    outcome = ReportOutcome.PROFILE_HIDDEN if hide else ReportOutcome.DISMISSED
    resolved = rows_affected(db.session.execute(
        sa.update(ProfileReport).where(ProfileReport.subject_id == subject.id,
                                       ProfileReport.outcome == ReportOutcome.OPEN)
        .values(outcome=outcome, resolved_at=clock.now(), resolved_by_id=actor.id),
        execution_options={"synchronize_session": False}))
    if not resolved:
        raise Conflict(_("Those reports are resolved already."))
    if hide:
        row = queries.profile_row(subject.id)
        if row is not None:
            row.visibility = ProfileVisibility.HIDDEN
            row.updated_at = clock.now()
    audit.record(actor, "people.profile_hidden" if hide else "people.profile_reports_dismissed", subject,
                 reports=resolved, reason=reason.strip())
    db.session.flush()
    return resolved
