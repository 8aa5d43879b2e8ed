"""The learner's portfolio pages, and the public page behind its link."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..errors import NotFound
from ..forms import EmptyForm, apply_form, apply_or_flash
from ..storage import StoredFileMissing, storage_for
from . import documents, queries, services
from .evidence import evidence_sources
from .forms import EditEntryForm, EntryForm, PublicPageForm, UploadForm
from .models import STORAGE_NAMESPACE

bp = Blueprint("portfolio", __name__, template_folder="templates")

# Files are never shown as a page of ours: downloaded, and sandboxed should a browser render them anyway.
FILE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"


def _mine(entry_id: int):
    entry = queries.entry_of(current_user.id, entry_id)
    if entry is None:  # someone else's entry does not exist for the viewer, whoever they are
        abort(404)
    return entry


def _public_form(entries, page) -> PublicPageForm:
    form = PublicPageForm(formdata=None, headline=page.headline if page else "",
                          intro=page.intro_source if page else "", entries=[e.id for e in entries if e.is_public])
    form.entries.choices = [(e.id, e.title) for e in entries]
    return form


def _index(status: int = 200, **forms):
    entries = queries.entries_of(current_user.id)
    page = queries.page_of(current_user.id)
    added = queries.added_evidence(current_user.id)
    evidence = [(source, [c for c in source.list_candidates(current_user) if (source.name, c.ref) not in added])
                for source in evidence_sources()]
    public_form = forms.pop("public_form", None) or _public_form(entries, page)
    return render_template(
        "portfolio/index.html", entries=entries, page=page, link=queries.current_public_link(current_user),
        evidence=evidence, entry_form=forms.pop("entry_form", None) or EntryForm(formdata=None),
        upload_form=forms.pop("upload_form", None) or UploadForm(formdata=None), public_form=public_form,
        button=EmptyForm(), used=queries.bytes_stored_by(current_user.id),
        quota=services.MAX_BYTES_PER_LEARNER), status


@bp.get("/portfolio")
@login_required
def index():
    return _index()


@bp.post("/portfolio/entries")
@login_required
def create_entry():
    form = EntryForm()
    if not form.validate_on_submit():
        return _index(422, entry_form=form)
    ok, entry = apply_form(form, lambda: services.write_entry(
        current_user, current_user, title=form.title.data, body=form.body.data, request_key=form.request_key.data))
    if not ok or entry is None:
        return _index(422, entry_form=form)
    flash(_("The entry is saved. It is private until you show it on your public page."), "success")
    return redirect(url_for("portfolio.entry_page", entry_id=entry.id))


@bp.post("/portfolio/files")
@login_required
def upload_file():
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(422, upload_form=form)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.file.errors = [_("Choose a file.")]
        return _index(422, upload_form=form)
    data = upload.read(services.MAX_FILE_BYTES + 1)
    ok, entry = apply_form(form, lambda: services.upload_file(
        current_user, current_user, name=upload.filename or "", data=data, title=form.title.data or "",
        request_key=form.request_key.data))
    if not ok or entry is None:
        return _index(422, upload_form=form)
    flash(_("The file is saved. It is private until you show it on your public page."), "success")
    return redirect(url_for("portfolio.entry_page", entry_id=entry.id))


@bp.post("/portfolio/evidence")
@login_required
def add_evidence():
    if not EmptyForm().validate_on_submit():
        abort(400)
    ok, entry = apply_or_flash(lambda: services.add_evidence(
        current_user, current_user, request.form.get("source", ""), request.form.get("ref", "")))
    if not ok or entry is None:
        return redirect(url_for("portfolio.index") + "#evidence")
    flash(_("A copy is in your portfolio; later changes at its source do not alter it."), "success")
    return redirect(url_for("portfolio.entry_page", entry_id=entry.id))


@bp.get("/portfolio/entries/<id:entry_id>")
@login_required
def entry_page(entry_id: int):
    return render_template("portfolio/entry.html", entry=_mine(entry_id), button=EmptyForm())


@bp.get("/portfolio/entries/<id:entry_id>/edit")
@login_required
def edit_entry(entry_id: int):
    entry = _mine(entry_id)
    form = EditEntryForm(formdata=None, title=entry.title, body=entry.body_source)
    return render_template("portfolio/edit.html", entry=entry, form=form)


@bp.post("/portfolio/entries/<id:entry_id>/edit")
@login_required
def update_entry(entry_id: int):
    entry = _mine(entry_id)
    form = EditEntryForm()
    if form.validate_on_submit():
        ok, _entry = apply_form(form, lambda: services.update_entry(current_user, entry, title=form.title.data,
                                                                    body=form.body.data))
        if ok:
            flash(_("The entry is saved."), "success")
            return redirect(url_for("portfolio.entry_page", entry_id=entry_id))
    return render_template("portfolio/edit.html", entry=entry, form=form), 422


@bp.post("/portfolio/entries/<id:entry_id>/move")
@login_required
def move_entry(entry_id: int):
    entry = _mine(entry_id)
    if EmptyForm().validate_on_submit():
        apply_or_flash(lambda: services.move_entry(current_user, entry, request.form.get("direction")))
    return redirect(url_for("portfolio.index") + f"#entry-{entry_id}")


@bp.get("/portfolio/entries/<id:entry_id>/delete")
@login_required
def confirm_delete_entry(entry_id: int):
    return render_template("portfolio/delete.html", entry=_mine(entry_id), button=EmptyForm())


@bp.post("/portfolio/entries/<id:entry_id>/delete")
@login_required
def delete_entry(entry_id: int):
    entry = _mine(entry_id)
    if EmptyForm().validate_on_submit():
        ok, _done = apply_or_flash(lambda: services.delete_entry(current_user, entry))
        if ok:
            flash(_("The entry is deleted."), "success")
    return redirect(url_for("portfolio.index"))


def _send(entry_name: str | None, storage_key: str | None, content_type: str | None, sha256: str | None):
    if not storage_key or not entry_name:
        abort(404)
    try:
        response = storage_for(STORAGE_NAMESPACE).send(storage_key, mimetype=content_type or "application/octet-stream",
                                                       etag=sha256 or storage_key, max_age=0,
                                                       download_name=entry_name)
    except StoredFileMissing:
        abort(404)
    response.headers.set("Content-Disposition", "attachment", filename=entry_name)
    response.headers["Content-Security-Policy"] = FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@bp.get("/portfolio/entries/<id:entry_id>/file")
@login_required
def download_file(entry_id: int):
    entry = _mine(entry_id)
    return _send(entry.file_name, entry.storage_key, entry.content_type, entry.sha256)


@bp.post("/portfolio/public")
@login_required
def save_public_page():
    entries = queries.entries_of(current_user.id)
    form = PublicPageForm()
    form.entries.choices = [(e.id, e.title) for e in entries]
    if not form.validate_on_submit():
        return _index(422, public_form=form)
    ok, _page = apply_form(form, lambda: services.set_public_page(
        current_user, current_user, headline=form.headline.data, intro=form.intro.data,
        public_entry_ids=list(form.entries.data or [])))
    if not ok:
        return _index(422, public_form=form)
    flash(_("Your public page is saved."), "success")
    return redirect(url_for("portfolio.index") + "#public")


@bp.post("/portfolio/link")
@login_required
def publish_link():
    if EmptyForm().validate_on_submit():
        ok, _link = apply_or_flash(lambda: services.publish_link(current_user, current_user))
        if ok:
            flash(_("Your public page has a new address; an earlier one no longer works."), "success")
    return redirect(url_for("portfolio.index") + "#public")


@bp.post("/portfolio/link/revoke")
@login_required
def revoke_link():
    if EmptyForm().validate_on_submit():
        ok, revoked = apply_or_flash(lambda: services.revoke_link(current_user, current_user))
        if ok and revoked:
            flash(_("The link is withdrawn: nobody can open your public page with it any more."), "success")
    return redirect(url_for("portfolio.index") + "#public")


@bp.get("/portfolio/export.zip")
@login_required
def export_zip():
    entries = queries.entries_of(current_user.id)
    try:
        data = documents.portfolio_zip(current_user.display_name, queries.page_of(current_user.id), entries,
                                       storage_for(STORAGE_NAMESPACE), exported_at=clock.now())
    except documents.ExportTooLarge:
        flash(_("Your portfolio is too large to export at once; download large files from their entries."),
              "error")
        return redirect(url_for("portfolio.index"))
    return data, 200, {"Content-Type": "application/zip", "Cache-Control": "private, no-store",
                       "Content-Disposition": "attachment; filename=portfolio.zip"}


# The public page ---------------------------------------------------------------------------------------------

PUBLIC_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    # The page's address is its secret: links followed from it must not carry it in a Referer.
    "Referrer-Policy": "no-referrer",
    # Revoking must work at once, so no cache keeps a copy.
    "Cache-Control": "no-store",
}


def _public(secret: str) -> queries.PublicPortfolio:
    try:
        return queries.public_portfolio_for_token(secret)
    except NotFound as error:
        status = error.status_code  # 410 for a withdrawn link, 404 for one that never was
        abort(make_response(render_template("portfolio/gone.html", status=status), status, PUBLIC_HEADERS))


@bp.get("/p/<token:secret>")
def public_page(secret: str):
    portfolio = _public(secret)
    return render_template("portfolio/public.html", portfolio=portfolio, secret=secret), 200, PUBLIC_HEADERS


@bp.get("/p/<token:secret>/portfolio.pdf")
def public_pdf(secret: str):
    portfolio = _public(secret)
    data = documents.public_pdf(portfolio, url=url_for("portfolio.public_page", secret=secret, _external=True),
                                labels={"date": _("Date"), "file": _("File"), "source": _("Source")})
    return data, 200, {**PUBLIC_HEADERS, "Content-Type": "application/pdf",
                       "Content-Disposition": "inline; filename=portfolio.pdf"}


@bp.get("/p/<token:secret>/files/<id:entry_id>")
def public_file(secret: str, entry_id: int):
    entry = _public(secret).entry(entry_id)
    if entry is None:  # not chosen for the page, or not the owner's: not there
        abort(404)
    response = _send(entry.file_name, entry.storage_key, entry.content_type, entry.sha256)
    response.headers.update({k: v for k, v in PUBLIC_HEADERS.items() if k != "Cache-Control"})
    return response
