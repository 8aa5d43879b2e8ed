"""Private conversations: the inbox of a person's private spaces, a conversation's page and its reply form,
and opening the conversation with someone from their profile. A conversation is a private space's one
thread: its posts follow every rule posts have (length, links, rate, reports)."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock, transaction
from ..accounts import services as accounts
from ..errors import NotFound
from ..forms import EmptyForm, apply_form
from . import queries, services
from .forms import MessageForm, ReportForm
from .views import bp


def _conversation(space_id: int):
    try:
        space = services.space_for_reading(current_user, space_id)
    except NotFound:
        abort(404)
    thread = queries.conversation_thread(space.id) if space.membership == "private" else None
    if thread is None:
        abort(404)
    return space, thread


@bp.get("/messages")
@login_required
def inbox():
    page = queries.inbox(current_user, request.args.get("page", "1"))
    return render_template("discussion/inbox.html", page=page)


@bp.get("/messages/<id:space_id>")
@login_required
def conversation(space_id: int, form: MessageForm | None = None, status: int = 200):
    space, thread = _conversation(space_id)
    if status == 200:  # the page matters more than the read marker: a busy database skips it
        with transaction.unit_of_work("conversation read", best_effort=True):
            services.mark_read(current_user, space)
    page = queries.thread_posts(thread, request.args.get("page", "1"), moderator=False)
    return render_template("discussion/conversation.html", space=space, thread=thread, page=page,
                           members=queries.member_names(space.id), form=form or MessageForm(),
                           can_write=services.private_space_writable(current_user, space),
                           report_form=ReportForm(), edit_window=services.EDIT_WINDOW, now=clock.now()), status


@bp.post("/messages/<id:space_id>/posts")
@login_required
def send_message(space_id: int):
    space, _thread = _conversation(space_id)
    form = MessageForm()
    if form.validate_on_submit():
        ok, post = apply_form(form, lambda: services.send_message(current_user, space, form.body.data,
                                                                  request_key=form.request_key.data))
        if ok and post is not None:
            return redirect(url_for("discussion.conversation", space_id=space.id, _anchor=f"post-{post.id}"))
    return conversation(space_id, form=form, status=422)


@bp.post("/messages/with/<id:user_id>")
@login_required
def message_person(user_id: int):
    """The Message button of a profile: the conversation the two have, or a new one."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        other = accounts.require_user(user_id)
    except NotFound:
        abort(404)
    space = services.open_conversation(current_user, other)  # refused: the error page says why
    return redirect(url_for("discussion.conversation", space_id=space.id, _anchor="new-message"))
