"""The notes and bookmarks pages: saving a note without JavaScript (the panel's script uses the API), "My
notes" per course and for all courses with a search, the exports, and the bookmarks page."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, policy, transaction
from ..catalog import queries as catalog_queries
from ..errors import DomainError, NotFound
from ..forms import EmptyForm, apply_form
from ..query_args import text as text_arg
from . import queries, services
from .export import notes_markdown, notes_pdf
from .forms import BookmarkLinkForm, NoteForm

bp = Blueprint("notes", __name__, template_folder="templates")
MAX_QUERY = 200


def _unit(slug: str, key: str):
    """The course and its live unit that the viewer may read (404 otherwise: a note needs the unit)."""
    course, version = catalog_queries.course_with_live_version(slug)
    unit = catalog_queries.outline_for(version).by_key.get(key)
    if unit is None or not policy.can_keep_notes(current_user, course, unit):
        abort(404)
    return course, unit


def _unit_url(slug: str, key: str, anchor: str = "notes") -> str:
    return url_for("learning.unit_page", slug=slug, key=key, _anchor=anchor)


@bp.post("/courses/<key:slug>/units/<key:key>/note")
@login_required
def save_note(slug: str, key: str):
    course, unit = _unit(slug, key)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    version = form.version.data or "0"
    base = int(version) if version.isdigit() and len(version) <= 10 else -1
    try:
        services.save_note(current_user, course, unit, form.body.data or "", base_version=base)
    except services.NoteConflict as conflict:
        # Without the panel's script: both texts, and a form that saves mine over what is there now.
        return render_template("notes/conflict.html", course=course, unit=unit, mine=form.body.data or "",
                               current=conflict.current, form=NoteForm(formdata=None)), 409
    except DomainError as error:
        transaction.roll_back()
        flash(error.message, "error")
        return redirect(_unit_url(slug, key))
    flash(_("Note saved."), "success")
    return redirect(_unit_url(slug, key))


@bp.post("/courses/<key:slug>/units/<key:key>/bookmark")
@login_required
def toggle_unit_bookmark(slug: str, key: str):
    course, unit = _unit(slug, key)
    if not EmptyForm().validate_on_submit():
        abort(400)
    # The button says what it does ("1" bookmark, "0" remove), so a double submit does it once.
    if request.form.get("bookmarked") == "0":
        existing = queries.unit_bookmark_of(current_user.id, course.id, unit.key)
        if existing is not None:
            services.delete_bookmark(current_user, existing)
        flash(_("Bookmark removed."), "info")
    else:
        services.bookmark_unit(current_user, course, unit)
        flash(_("Unit bookmarked."), "success")
    return redirect(_unit_url(slug, key, "bookmark"))


def _search_query() -> str:
    return text_arg("q", max_length=MAX_QUERY)


@bp.get("/notes")
@login_required
def all_notes():
    q = _search_query()
    return render_template("notes/notes.html", course=None, q=q,
                           groups=queries.by_course(queries.notes_of(current_user.id, q=q)))


@bp.get("/courses/<key:slug>/notes")
@login_required
def course_notes(slug: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    q = _search_query()
    return render_template("notes/notes.html", course=course, q=q,
                           groups=queries.by_course(queries.notes_of(current_user.id, course_id=course.id, q=q)))


def _download(content: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(rows, heading: str, stem: str, kind: str) -> Response:
    if kind == "md":
        return _download(notes_markdown(rows, heading=heading, exported_at=clock.now()),
                         "text/markdown", f"{stem}.md")
    return _download(notes_pdf(rows, heading=heading, exported_at=clock.now()), "application/pdf", f"{stem}.pdf")


@bp.get("/notes/notes.<any(md, pdf):kind>")
@login_required
def export_all_notes(kind: str):
    return _export(queries.notes_of(current_user.id), _("My notes"), "my-notes", kind)


@bp.get("/courses/<key:slug>/notes.<any(md, pdf):kind>")
@login_required
def export_course_notes(slug: str, kind: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    return _export(queries.notes_of(current_user.id, course_id=course.id),
                   _("My notes: %(course)s", course=course.title), f"notes-{course.slug}", kind)


@bp.post("/notes/<id:note_id>/delete")
@login_required
def delete_note(note_id: int):
    note = queries.get_note(note_id)
    if note is None or not policy.owns_private_item(current_user, note.user_id):
        raise NotFound(_("No such note."))
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_note(current_user, note)
    flash(_("Note deleted."), "info")
    back_to = request.form.get("course", "")
    return redirect(url_for("notes.course_notes", slug=back_to) if back_to else url_for("notes.all_notes"))


@bp.route("/bookmarks", methods=["GET", "POST"])
@login_required
def bookmarks():
    form = BookmarkLinkForm()
    if form.validate_on_submit():
        succeeded, _bookmark = apply_form(form, lambda: services.bookmark_link(
            current_user, form.url.data, form.title.data, form.note.data or ""))
        if succeeded:
            flash(_("Bookmark added."), "success")
            return redirect(url_for("notes.bookmarks"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("notes/bookmarks.html", form=form,
                           rows=queries.bookmarks_of(current_user.id)), status


@bp.post("/bookmarks/<id:bookmark_id>/delete")
@login_required
def delete_bookmark(bookmark_id: int):
    bookmark = queries.get_bookmark(bookmark_id)
    if bookmark is None or not policy.owns_private_item(current_user, bookmark.user_id):
        raise NotFound(_("No such bookmark."))
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_bookmark(current_user, bookmark)
    flash(_("Bookmark removed."), "info")
    return redirect(url_for("notes.bookmarks"))
