"""Discussion pages: the course forum, a category, a thread (of any space), posting, editing, reporting and
the moderators' buttons and queue. Views load, call a service and redirect; the boundary commits."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, policy, query_args
from ..accounts import services as accounts
from ..catalog import queries as catalog_queries
from ..errors import NotFound
from ..extensions import db
from ..forms import EmptyForm, apply_form, apply_or_flash
from ..urls import is_safe_next
from . import follows, moderation, mutes, queries, reactions, services
from .forms import EditForm, ModerationForm, MoveForm, MuteForm, PostForm, ReportForm, ThreadForm
from .membership import describe_key, group_kind, group_spaces_in_course, is_member, may_read_thread, moderates
from .models import Category, Mute, Post, Space, Thread

bp = Blueprint("discussion", __name__, template_folder="templates")


def _course_forum_and_mute(slug: str) -> tuple[Any, Space, Mute | None]:
    """The course, its forum and the viewer's running mute there (with the forum's own query): the pages
    that carry a composer show a muted learner why there is none."""
    course, _version = catalog_queries.course_with_live_version(slug)
    space, mute = queries.course_space_and_mute(course.id, current_user.id)
    if space is None or not is_member(current_user, space):
        raise NotFound(_("No such discussion."))
    return course, space, mute


def _course_forum(slug: str) -> tuple[Any, Space]:
    course, space, _mute = _course_forum_and_mute(slug)
    return course, space


def _thread_and_mute(thread_id: int) -> tuple[Thread, Space, Mute | None]:
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        abort(404)
    space, mute = queries.space_and_mute(thread.space_id, current_user.id)
    if space is None or not may_read_thread(current_user, thread, space):
        abort(404)
    return thread, space, mute


def _thread(thread_id: int) -> tuple[Thread, Space]:
    thread, space, _mute = _thread_and_mute(thread_id)
    return thread, space


HELD_MESSAGE = "Your post waits for a moderator: posts with links from new members are reviewed first. " \
               "Others see it once it is approved."


def _flash_if_held(post: Post | None) -> None:
    if post is not None and post.held_at is not None:
        flash(_(HELD_MESSAGE), "info")


def _thread_url(thread: Thread, post: Post | None = None, page: int | None = None) -> str:
    return url_for("discussion.thread_page", thread_id=thread.id, page=page,
                   _anchor=f"post-{post.id}" if post is not None else None)


@bp.get("/courses/<key:slug>/discussion")
@login_required
def forum(slug: str):
    course, space, mute = _course_forum_and_mute(slug)
    index = queries.forum_index(space, queries.live_outline(course.id))
    can_moderate = moderates(current_user, space)
    return render_template("discussion/forum.html", course=course, index=index, can_moderate=can_moderate,
                           moderates_a_group=not can_moderate and _moderated_groups(course.id) != [], mute=mute)


def _moderated_groups(course_id: int) -> list[str]:
    """The keys of the course's group spaces the viewer moderates without moderating the course forum (a cohort's
    own facilitator): one query for them, none for anybody else."""
    if not policy.leads_some_cohort(current_user):
        return []
    return [ref.key for ref in group_spaces_in_course(current_user, course_id)
            if moderates(current_user, ref.stand_in())]


@bp.get("/courses/<key:slug>/discussion/categories/<id:category_id>")
@login_required
def category_page(slug: str, category_id: int, form: ThreadForm | None = None, status: int = 200):
    course, space, mute = _course_forum_and_mute(slug)
    category = db.session.get(Category, category_id)
    if category is None or category.space_id != space.id:
        abort(404)
    sort = request.args.get("sort", "activity")
    sort = sort if sort in queries.THREAD_SORTS else "activity"
    page = queries.category_threads(category, request.args.get("page", "1"), sort, viewer_id=current_user.id,
                                    moderator=moderates(current_user, space))
    return render_template("discussion/category.html", course=course, category=category, page=page, sort=sort,
                           sorts=queries.THREAD_SORTS, form=form or ThreadForm(), can_post=not course.is_archived,
                           mute=mute, is_help=category.key == reactions.HELP_CATEGORY), status


@bp.post("/courses/<key:slug>/discussion/categories/<id:category_id>/threads")
@login_required
def start_thread(slug: str, category_id: int):
    course, space = _course_forum(slug)
    form = ThreadForm()
    if form.validate_on_submit():
        ok, thread = apply_form(form, lambda: services.start_thread(
            current_user, space, category_id, form.title.data, form.body.data, request_key=form.request_key.data))
        if ok and thread is not None:
            if thread.held_at is not None:
                flash(_(HELD_MESSAGE), "info")
            return redirect(_thread_url(thread))
    return category_page(slug, category_id, form=form, status=422)


@bp.get("/courses/<key:slug>/discussion/units/<key:key>")
@login_required
def unit_thread(slug: str, key: str):
    """A unit's thread (a discussion unit's opens with its prompt), before and after anyone posted."""
    course, space, mute = _course_forum_and_mute(slug)
    outline = queries.live_outline(course.id)
    thread = queries.unit_thread_of(space.id, key)
    if thread is not None:
        return redirect(_thread_url(thread))
    if outline is None or key not in outline.by_key:
        abort(404)
    return render_template("discussion/thread.html", course=course, space=space, thread=None,
                           unit=outline.by_key[key], prompt_html=queries.unit_prompt_html(course.id, key),
                           page=None, form=PostForm(), can_moderate=moderates(current_user, space),
                           post_action=url_for("discussion.comment_on_unit", slug=slug, key=key), now=clock.now(),
                           mute=mute)


@bp.get("/discussion/threads/<id:thread_id>")
@login_required
def thread_page(thread_id: int, form: PostForm | None = None, status: int = 200):
    thread, space, mute = _thread_and_mute(thread_id)
    moderator = moderates(current_user, space)
    course = queries.course_of(space.course_id) if space.course_id else None
    prompt = queries.unit_prompt_html(course.id, thread.unit_key) if course and thread.unit_key else ""
    sort = request.args.get("sort", "oldest")
    sort = sort if sort in queries.POST_SORTS else "oldest"
    page = queries.thread_posts(thread, request.args.get("page", "1"), moderator=moderator,
                                viewer_id=current_user.id, sort=sort, course_id=space.course_id)
    help_thread = reactions.is_help_thread(thread)
    return render_template("discussion/thread.html", course=course, space=space, thread=thread, unit=None,
                           prompt_html=prompt, page=page, form=form or PostForm(), can_moderate=moderator,
                           # a mute holds in all the course's discussions: a cohort's facilitator hides posts
                           # in its spaces but does not mute
                           can_mute=moderator and course is not None
                           and policy.can_moderate_discussion(current_user, course.id),
                           post_action=url_for("discussion.reply", thread_id=thread.id), now=clock.now(),
                           edit_window=services.EDIT_WINDOW, report_form=ReportForm(),
                           moderation_form=ModerationForm(), sort=sort, sorts=queries.POST_SORTS,
                           following=follows.is_following(current_user, thread) if space.course_id else None,
                           categories=queries.forum_categories(space) if moderator and thread.category_id else [],
                           mute_days=mutes.MUTE_DAYS, mute=mute,
                           may_accept=help_thread and reactions.may_accept(current_user, thread, space),
                           opening_id=reactions.opening_post_id(thread.id) if help_thread else None), status


@bp.get("/discussion/posts/<id:post_id>")
@login_required
def show_post(post_id: int):
    """A post's lasting address: its thread, at the page that shows it (links in mails and search results)."""
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    thread, space = _thread(post.thread_id)
    if post.held_at is not None and post.author_id != current_user.id and not moderates(current_user, space):
        abort(404)  # held for review: only its author and the moderators know of it
    page = queries.page_of_post(post, moderator=moderates(current_user, space), viewer_id=current_user.id)
    return redirect(_thread_url(thread, post, page=page if page > 1 else None))


@bp.get("/courses/<key:slug>/discussion/search")
@login_required
def search(slug: str):
    course, space = _course_forum(slug)
    query = query_args.text("q")
    groups = [ref.key for ref in group_spaces_in_course(current_user, course.id)] if query.strip() else []
    terms, page = queries.search_space(space, query, query_args.page_number(), also=groups)
    return render_template("discussion/search.html", course=course, query=query, terms=terms, page=page)


@bp.post("/discussion/threads/<id:thread_id>/posts")
@login_required
def reply(thread_id: int):
    thread, _space = _thread(thread_id)
    form = PostForm()
    if form.validate_on_submit():
        parent = int(form.parent_id.data) if (form.parent_id.data or "").isdigit() else None
        ok, post = apply_form(form, lambda: services.reply(current_user, thread, form.body.data, parent_id=parent,
                                                         request_key=form.request_key.data))
        if ok and post is not None:
            _flash_if_held(post)
            return redirect(_thread_url(thread, post))
    return thread_page(thread_id, form=form, status=422)


@bp.post("/courses/<key:slug>/units/<key:key>/comments")
@login_required
def comment_on_unit(slug: str, key: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    form = PostForm()
    if form.validate_on_submit():
        audience = request.form.get("audience", services.COURSE_AUDIENCE)
        ok, post = apply_or_flash(lambda: services.comment_on_unit(current_user, course, key, form.body.data,
                                                                   audience=audience,
                                                                   request_key=form.request_key.data))
        if ok and post is not None and post.held_at is not None:
            _flash_if_held(post)
        elif ok:
            flash(_("Your comment is posted."), "success")
            return redirect(url_for("learning.unit_page", slug=slug, key=key, _anchor=f"post-{post.id}"
                                    if post is not None else None))
    else:
        flash(_("Write something first."), "error")
    return redirect(url_for("learning.unit_page", slug=slug, key=key, _anchor="discuss"))


@bp.route("/discussion/posts/<id:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    post, space = services.get_post(current_user, post_id)
    if not services.may_edit(current_user, post, space):
        abort(403)
    thread = db.session.get_one(Thread, post.thread_id)
    form = EditForm(data={"body": post.body_source, "note": post.moderator_note} if request.method == "GET" else None)
    if form.validate_on_submit():
        ok, _result = apply_form(form, lambda: services.edit_post(current_user, post_id, form.body.data,
                                                                  form.note.data or ""))
        if ok:
            return redirect(_thread_url(thread, post))
    return render_template("discussion/edit.html", form=form, post=post, thread=thread,
                           own=post.author_id == current_user.id), 422 if form.errors else 200


def _post_button(action, post_id: int, message: str, form_class=ModerationForm, *, moderators_only=False):
    post, space = services.get_post(current_user, post_id)
    if moderators_only and not moderates(current_user, space):
        abort(403)
    thread = db.session.get_one(Thread, post.thread_id)
    form = form_class()
    if form.validate_on_submit():
        ok, _result = apply_or_flash(lambda: action(form))
        if ok:
            flash(message, "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(_thread_url(thread, post))


@bp.post("/discussion/posts/<id:post_id>/delete")
@login_required
def delete_post(post_id: int):
    return _post_button(lambda form: services.delete_own_post(current_user, post_id), post_id,
                        _("Your post is deleted."))


@bp.post("/discussion/posts/<id:post_id>/report")
@login_required
def report_post(post_id: int):
    return _post_button(lambda form: moderation.report_post(current_user, post_id, form.reason.data), post_id,
                        _("Thank you: the moderators will look at it."), ReportForm)


def _decide(decision, post_id: int, message: str):
    """A moderator's decision on a post (hide or show again, approve or reject a held one), with the form's
    reason for the audit log; others get 403 here and the service checks again."""
    return _post_button(lambda form: decision(current_user, post_id, form.reason.data or ""), post_id, message,
                        moderators_only=True)


@bp.post("/discussion/posts/<id:post_id>/hide")
@login_required
def hide_post(post_id: int):
    return _decide(moderation.hide_post, post_id, _("The post is hidden."))


@bp.post("/discussion/posts/<id:post_id>/restore")
@login_required
def restore_post(post_id: int):
    return _decide(moderation.restore_post, post_id, _("The post is shown again."))


@bp.post("/discussion/posts/<id:post_id>/approve")
@login_required
def approve_post(post_id: int):
    return _decide(moderation.approve_post, post_id, _("The post is approved: everyone sees it now."))


@bp.post("/discussion/posts/<id:post_id>/reject")
@login_required
def reject_post(post_id: int):
    return _decide(moderation.reject_post, post_id, _("The post is rejected: only moderators see it."))


@bp.post("/discussion/posts/<id:post_id>/mute-author")
@login_required
def mute_author(post_id: int):
    """Mute the author of a post in the post's course, for a time the moderator chooses."""
    post, space = services.get_post(current_user, post_id)
    if (space.course_id is None or post.author_id is None
            or not policy.can_moderate_discussion(current_user, space.course_id)):
        abort(403)

    def mute(form):
        learner = accounts.require_user(post.author_id)
        return mutes.mute_learner(current_user, space.course_id, learner, int(form.days.data), form.reason.data)

    return _post_button(mute, post_id, _("The author is muted in this course."), MuteForm)


@bp.post("/discussion/threads/<id:thread_id>/move")
@login_required
def move_thread(thread_id: int):
    thread, space = _thread(thread_id)
    if not moderates(current_user, space):
        abort(403)
    form = MoveForm()
    if form.validate_on_submit() and (form.category.data or "").isdigit():
        ok, _result = apply_or_flash(lambda: moderation.move_thread(current_user, thread_id, int(form.category.data),
                                                                    form.reason.data or ""))
        if ok:
            flash(_("The thread is moved."), "success")
    else:
        flash(_("Choose a category of this forum."), "error")
    return redirect(_thread_url(thread))


@bp.post("/courses/<key:slug>/discussion/mutes/<id:mute_id>/lift")
@login_required
def lift_mute(slug: str, mute_id: int):
    course, space = _course_forum(slug)
    if not moderates(current_user, space):
        abort(403)
    form = ModerationForm()
    if form.validate_on_submit():
        ok, _result = apply_or_flash(lambda: mutes.lift_mute(current_user, mute_id, form.reason.data or "",
                                                             course_id=course.id))
        if ok:
            flash(_("The mute is lifted: the learner can post again."), "success")
    return redirect(url_for("discussion.moderation_queue", slug=slug, _anchor="mutes"))


@bp.post("/discussion/threads/<id:thread_id>/moderate")
@login_required
def moderate_thread(thread_id: int):
    thread, space = _thread(thread_id)
    if not moderates(current_user, space):
        abort(403)
    form = ModerationForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        reason = form.reason.data or ""
        changes = {"lock": lambda: moderation.set_thread_locked(current_user, thread_id, True, reason),
                   "unlock": lambda: moderation.set_thread_locked(current_user, thread_id, False, reason),
                   "pin": lambda: moderation.set_thread_pinned(current_user, thread_id, True, reason),
                   "unpin": lambda: moderation.set_thread_pinned(current_user, thread_id, False, reason)}
        if action not in changes:
            abort(400)
        ok, _result = apply_or_flash(changes[action])
        if ok:
            flash(_("The thread is changed."), "success")
    return redirect(_thread_url(thread))


@bp.get("/courses/<key:slug>/discussion/moderation")
@login_required
def moderation_queue(slug: str):
    course, space = _course_forum(slug)
    # The course forum's own queue for its moderators, with the cohorts' spaces this moderator moderates (every
    # one for the course team, a cohort's for its own facilitator, who sees nothing of the course forum's).
    course_moderator = moderates(current_user, space)
    groups = ([ref.key for ref in group_spaces_in_course(current_user, course.id)
               if moderates(current_user, ref.stand_in())] if course_moderator else _moderated_groups(course.id))
    if not course_moderator and not groups:
        abort(403)
    own = space if course_moderator else None
    return render_template("discussion/moderation.html", course=course, items=queries.moderation_queue(own, groups),
                           now=clock.now(), held=queries.held_posts(own, groups),
                           mutes=queries.running_mutes(course.id) if course_moderator else [], form=ModerationForm())


def _back_to(default: str) -> str:
    """Where a like or follow button returns: the page it was on (a same-site path), else `default`."""
    target = request.form.get("next", "")
    return target if is_safe_next(target) else default


def _button(action, message: str, default: str):
    if EmptyForm().validate_on_submit():
        ok, _result = apply_or_flash(action)
        if ok and message:
            flash(message, "success")
    return redirect(_back_to(default))


def _set_liked(post_id: int, liked: bool):
    services.get_post(current_user, post_id)  # not a member of its space: not found
    change = reactions.like_post if liked else reactions.unlike_post
    return _button(lambda: change(current_user, post_id), "", url_for("discussion.show_post", post_id=post_id))


@bp.post("/discussion/posts/<id:post_id>/like")
@login_required
def like_post(post_id: int):
    return _set_liked(post_id, True)


@bp.post("/discussion/posts/<id:post_id>/unlike")
@login_required
def unlike_post(post_id: int):
    return _set_liked(post_id, False)


@bp.post("/discussion/threads/<id:thread_id>/follow")
@login_required
def follow_thread(thread_id: int):
    _thread(thread_id)
    return _button(lambda: follows.set_following(current_user, thread_id, True),
                   _("You follow this thread: you will hear of new posts."),
                   url_for("discussion.thread_page", thread_id=thread_id))


@bp.post("/discussion/threads/<id:thread_id>/unfollow")
@login_required
def unfollow_thread(thread_id: int):
    _thread(thread_id)
    return _button(lambda: follows.set_following(current_user, thread_id, False),
                   _("You no longer follow this thread."), url_for("discussion.thread_page", thread_id=thread_id))


@bp.post("/discussion/posts/<id:post_id>/accept")
@login_required
def accept_answer(post_id: int):
    services.get_post(current_user, post_id)
    return _button(lambda: reactions.accept_answer(current_user, post_id), _("The answer is marked."),
                   url_for("discussion.show_post", post_id=post_id))


@bp.post("/discussion/threads/<id:thread_id>/answer/clear")
@login_required
def clear_answer(thread_id: int):
    _thread(thread_id)
    return _button(lambda: reactions.clear_answer(current_user, thread_id), _("The thread has no accepted answer now."),
                   url_for("discussion.thread_page", thread_id=thread_id))


# A group's space (a cohort's): its own threads, beside the course forum -----------------------------------------

def _group_space(kind: str, ref_id: int):
    """The group's space for one of its members: its SpaceRef and its row (None before its first post)."""
    ref = describe_key(f"{kind}:{ref_id}") if group_kind(kind) is not None else None
    if ref is None or not is_member(current_user, ref.stand_in()):
        raise NotFound(_("No such discussion."))
    return ref, queries.space_by_key(ref.key)


@bp.get("/discussion/groups/<key:kind>/<id:ref_id>")
@login_required
def group_space(kind: str, ref_id: int, form: ThreadForm | None = None, status: int = 200):
    ref, space = _group_space(kind, ref_id)
    stand_in = space or ref.stand_in()
    moderator = moderates(current_user, stand_in)
    page = queries.space_threads(space, request.args.get("page", "1"), viewer_id=current_user.id,
                                 moderator=moderator)
    course = queries.course_of(ref.course_id) if ref.course_id is not None else None
    return render_template("discussion/group_space.html", ref=ref, kind=kind, ref_id=ref_id, space=space,
                           page=page, course=course,
                           form=form or ThreadForm(), can_moderate=moderator), status


@bp.get("/discussion/groups/<key:kind>/<id:ref_id>/moderation")
@login_required
def group_moderation_queue(kind: str, ref_id: int):
    """One group space's held and reported posts, for its moderators: the queue of a space outside any course (a
    programme's cohort or team), whose posts no course's queue lists."""
    ref, space = _group_space(kind, ref_id)
    if not moderates(current_user, space or ref.stand_in()):
        abort(403)
    course = queries.course_of(ref.course_id) if ref.course_id is not None else None
    return render_template("discussion/moderation.html", course=course, group=ref, kind=kind, ref_id=ref_id,
                           items=queries.moderation_queue(None, [ref.key]), now=clock.now(),
                           held=queries.held_posts(None, [ref.key]), mutes=[], form=ModerationForm())


@bp.post("/discussion/groups/<key:kind>/<id:ref_id>/threads")
@login_required
def start_group_thread(kind: str, ref_id: int):
    ref, _space = _group_space(kind, ref_id)
    form = ThreadForm()
    if form.validate_on_submit():
        ok, thread = apply_form(form, lambda: services.start_thread(
            current_user, services.group_space_for_writing(current_user, ref.key), None, form.title.data,
            form.body.data, request_key=form.request_key.data))
        if ok and thread is not None:
            if thread.held_at is not None:
                flash(_(HELD_MESSAGE), "info")
            return redirect(_thread_url(thread))
    return group_space(kind, ref_id, form=form, status=422)
