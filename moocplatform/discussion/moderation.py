"""Moderation: reports by members, and the moderators' hide, restore, pin, lock and move, and their review of
held posts (approve or reject). Every moderator action is in the audit log with who, when and why; three
open reports from different people hide a post until a moderator decides."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit, clock, policy
from ..catalog.queries import users_by_id
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from . import notices
from .membership import moderates
from .mentions import resolve_mentions
from .models import Category, Post, Report, Space, Thread
from .services import get_post, set_visibility

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
        set_visibility(post, lambda: setattr(post, "hidden_at", clock.now()))
        audit.record(None, "discussion.post_hidden_by_reports", post, reports=open_reports)
    db.session.flush()
    return report


def _resolve_reports(actor: Any, post: Post, outcome: str) -> None:
    db.session.execute(sa.update(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))
                       .values(resolved_at=clock.now(), resolved_by_id=actor.id),
                       execution_options={"synchronize_session": False})


def _hide(post: Post, by: Any) -> None:
    """Hide the post (by a moderator), or with `by` None show it again."""
    post.hidden_at = clock.now() if by is not None else None
    post.hidden_by_id = by.id if by is not None else None


def hide_post(actor: Any, post_id: int, reason: str = "") -> Post:
    post, space = _moderated_post(actor, post_id)
    if post.hidden_at is None:
        set_visibility(post, lambda: _hide(post, actor))
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
        set_visibility(post, lambda: _hide(post, None))
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
        set_visibility(post, lambda: _hide(post, actor))
    elif not hide and post.hidden_at is not None:
        set_visibility(post, lambda: _hide(post, None))
    _resolve_reports(actor, post, "hidden" if hide else "kept")
    audit.record(actor, "discussion.message_hidden" if hide else "discussion.message_kept", post,
                 space=space.key, reason=(reason or "")[:500])
    notices.moderation_outcome(post, hidden=hide)
    db.session.flush()
    return post


def move_thread(actor: Any, thread_id: int, category_id: int, reason: str = "") -> Thread:
    """Move a forum thread to another category of its space; the categories' counters follow it."""
    thread = _moderated_thread(actor, thread_id)
    target = db.session.get(Category, category_id)
    if target is None or target.space_id != thread.space_id:
        raise InvalidInput(_("Choose a category of this forum."), field="category")
    if thread.unit_key is not None or thread.category_id is None:
        raise Conflict(_("A unit's discussion stays with its unit."))
    if target.id == thread.category_id:
        return thread
    source = db.session.get_one(Category, thread.category_id)
    listed = 0 if thread.held_at is not None else 1
    for category, sign in ((source, -1), (target, 1)):
        db.session.execute(sa.update(Category).where(Category.id == category.id).values(
            thread_count=Category.thread_count + sign * listed,
            post_count=Category.post_count + sign * thread.post_count),
            execution_options={"synchronize_session": False})
        db.session.expire(category, ["thread_count", "post_count"])
    audit.record(actor, "discussion.thread_moved", thread, from_category=source.id, to_category=target.id,
                 reason=(reason or "")[:500])
    thread.category_id = target.id
    db.session.flush()
    return thread


# Held for review -------------------------------------------------------------------------------------------

def _held_post(actor: Any, post_id: int) -> tuple[Post, Space]:
    post, space = _moderated_post(actor, post_id)
    db.session.refresh(post, with_for_update=True)  # two moderators deciding at once: the second finds it decided
    if post.held_at is None or post.deleted_at is not None:
        raise Conflict(_("This post is not waiting for review."))
    return post, space


def approve_post(actor: Any, post_id: int, reason: str = "") -> Post:
    """A moderator approves a held post: others see it from now on, it counts (and so does its thread, if it
    opened one), and the people it concerns are told of it now, once."""
    post, space = _held_post(actor, post_id)
    thread = db.session.get_one(Thread, post.thread_id)

    def approve() -> None:
        post.held_at = None
        post.hidden_at = post.hidden_by_id = None  # a rejected post approved after all

    set_visibility(post, approve)  # it counts in its thread and category from now on
    thread.last_post_at = max(thread.last_post_at, post.created_at)
    if thread.held_at is not None:
        thread.held_at = None
        if thread.category_id is not None:
            db.session.execute(sa.update(Category).where(Category.id == thread.category_id)
                               .values(thread_count=Category.thread_count + 1))
    audit.record(actor, "discussion.post_approved", post, space=space.key, reason=(reason or "")[:500])
    author = users_by_id({post.author_id}).get(post.author_id) if post.author_id is not None else None
    if author is not None:
        parent = db.session.get(Post, post.parent_id) if post.parent_id is not None else None
        notices.post_added(author, space, thread, post, parent, resolve_mentions(space, post.body_source).members)
        notices.moderation_outcome(post, hidden=False, outcome="approved")
    db.session.flush()
    return post


def reject_post(actor: Any, post_id: int, reason: str = "") -> Post:
    """A moderator rejects a held post: it stays unseen (hidden, and never published); its author is told."""
    post, space = _held_post(actor, post_id)
    if post.hidden_at is None:
        _hide(post, actor)
    audit.record(actor, "discussion.post_rejected", post, space=space.key, reason=(reason or "")[:500])
    notices.moderation_outcome(post, hidden=True, outcome="rejected")
    db.session.flush()
    return post
