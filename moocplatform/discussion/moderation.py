"""Moderation: reports by members, and the moderators' hide, restore, pin and lock. Every moderator action is
in the audit log with who, when and why; three open reports from different people hide a post until a
moderator decides."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit, clock, policy
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from . import notices
from .membership import moderates
from .models import Post, Report, Space, Thread
from .services import _count_visible, get_post

REPORTS_TO_HIDE = 3
MAX_REASON = 500


def _moderated_post(actor: Any, post_id: int) -> tuple[Post, Space]:
    post, space = get_post(actor, post_id)
    if not moderates(actor, space):
        raise NotFound(_("No such post."))
    return post, space


def report_post(actor: Any, post_id: int, reason: str) -> Report:
    post, _space = get_post(actor, post_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_("Say what is wrong with the post."), field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason is too long (at most %(n)d characters).", n=MAX_REASON), field="reason")
    if post.author_id == actor.id:
        raise Conflict(_("You cannot report your own post."))
    report = Report(post_id=post.id, reporter_id=actor.id, reason=reason, created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        raise Conflict(_("You have reported this post already.")) from None
    open_reports = db.session.scalar(sa.select(sa.func.count(sa.distinct(Report.reporter_id))).where(
        Report.post_id == post.id, Report.resolved_at.is_(None))) or 0
    if open_reports >= REPORTS_TO_HIDE and post.hidden_at is None:
        post.hidden_at = clock.now()
        _count_visible(post, -1 if post.deleted_at is None else 0)
        audit.record(None, "discussion.post_hidden_by_reports", post, reports=open_reports)
    db.session.flush()
    return report


def _resolve_reports(actor: Any, post: Post, outcome: str) -> None:
    db.session.execute(sa.update(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))
                       .values(resolved_at=clock.now(), resolved_by_id=actor.id),
                       execution_options={"synchronize_session": False})


def hide_post(actor: Any, post_id: int, reason: str = "") -> Post:
    post, space = _moderated_post(actor, post_id)
    if post.hidden_at is None:
        post.hidden_at = clock.now()
        post.hidden_by_id = actor.id
        _count_visible(post, -1 if post.deleted_at is None else 0)
    _resolve_reports(actor, post, "hidden")
    audit.record(actor, "discussion.post_hidden", post, space=space.key, reason=reason[:500])
    notices.moderation_outcome(post, hidden=True)
    db.session.flush()
    return post


def restore_post(actor: Any, post_id: int, reason: str = "") -> Post:
    """Unhide a post (and dismiss its reports: a moderator decided)."""
    post, space = _moderated_post(actor, post_id)
    was_hidden = post.hidden_at is not None
    if was_hidden:
        post.hidden_at = None
        post.hidden_by_id = None
        _count_visible(post, 1 if post.deleted_at is None else 0)
    _resolve_reports(actor, post, "kept")
    audit.record(actor, "discussion.post_restored", post, space=space.key, reason=reason[:500])
    if was_hidden:
        notices.moderation_outcome(post, hidden=False)
    db.session.flush()
    return post


def _moderated_thread(actor: Any, thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None or not moderates(actor, db.session.get_one(Space, thread.space_id)):
        raise NotFound(_("No such thread."))
    return thread


def set_thread_locked(actor: Any, thread_id: int, locked: bool, reason: str = "") -> Thread:
    thread = _moderated_thread(actor, thread_id)
    thread.locked = locked
    audit.record(actor, "discussion.thread_locked" if locked else "discussion.thread_unlocked", thread,
                 reason=reason[:500])
    db.session.flush()
    return thread


def set_thread_pinned(actor: Any, thread_id: int, pinned: bool, reason: str = "") -> Thread:
    thread = _moderated_thread(actor, thread_id)
    thread.pinned = pinned
    audit.record(actor, "discussion.thread_pinned" if pinned else "discussion.thread_unpinned", thread,
                 reason=reason[:500])
    db.session.flush()
    return thread


def decide_private_report(actor: Any, post_id: int, *, hide: bool, reason: str = "") -> Post:
    """An administrator decides on a reported message of a private conversation: hide it, or keep it and
    dismiss the reports. Administrators see such a message only once a member reported it to them."""
    if not policy.can_resolve_reports(actor):
        raise PermissionDenied(_("Only administrators decide on reported messages."))
    post = db.session.get(Post, post_id)
    space = db.session.get(Space, post.space_id) if post is not None else None
    reported = post is not None and db.session.scalar(sa.select(Report.id).where(
        Report.post_id == post.id, Report.resolved_at.is_(None)).limit(1)) is not None
    if post is None or space is None or space.membership != "private" or not reported:
        raise NotFound(_("No such reported message."))
    if hide and post.hidden_at is None:
        post.hidden_at = clock.now()
        post.hidden_by_id = actor.id
        _count_visible(post, -1 if post.deleted_at is None else 0)
    elif not hide and post.hidden_at is not None:
        post.hidden_at = None
        post.hidden_by_id = None
        _count_visible(post, 1 if post.deleted_at is None else 0)
    _resolve_reports(actor, post, "hidden" if hide else "kept")
    audit.record(actor, "discussion.message_hidden" if hide else "discussion.message_kept", post,
                 space=space.key, reason=(reason or "")[:500])
    notices.moderation_outcome(post, hidden=hide)
    db.session.flush()
    return post
